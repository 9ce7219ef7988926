import CCairo

/// A printable copy of a result (bản giấy, Đ.21): an A4 PDF drawn with cairo, its text in an
/// embedded Unicode font (DejaVu Sans from fontconfig, subset into the file), with the issuing
/// system's name, the codes, the full content and a QR code leading to the verification page.
public struct PaperCopy: Sendable {
    /// Heading lines, centred (e.g. "ĐẢNG CỘNG SẢN VIỆT NAM").
    public var heading: [String]
    /// The document's title, centred and bold (e.g. "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG").
    public var title: String
    /// Labelled lines of content, in order.
    public var fields: [(label: String, value: String)]
    /// Where the QR code leads, printed under it too.
    public var verificationURL: String
    /// The caption beside the QR code.
    public var qrCaption: String

    public init(heading: [String], title: String, fields: [(label: String, value: String)], verificationURL: String,
                qrCaption: String) {
        self.heading = heading
        self.title = title
        self.fields = fields
        self.verificationURL = verificationURL
        self.qrCaption = qrCaption
    }

    public enum Problem: Error {
        case cannotRender(String)
    }

    static let font = "DejaVu Sans"
    // A4 in points.
    static let width = 595.0, height = 842.0, margin = 56.0

    /// The PDF's bytes, written by cairo straight into memory (no file holds the content).
    public func pdf() throws -> [UInt8] {
        let code = try QRCode(verificationURL)
        let sink = PDFSink()
        return try withExtendedLifetime(sink) {
            guard let surface = cairo_pdf_surface_create_for_stream({ closure, data, length in
                guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
                Unmanaged<PDFSink>.fromOpaque(closure).takeUnretainedValue().bytes
                    .append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque(), Self.width, Self.height) else { throw Problem.cannotRender("surface") }
            defer { cairo_surface_destroy(surface) }
            guard let cr = cairo_create(surface) else { throw Problem.cannotRender("context") }
            draw(cr, code: code)
            let drawn = cairo_status(cr)
            cairo_destroy(cr)
            cairo_surface_finish(surface)
            for status in [drawn, cairo_surface_status(surface)] where status != CAIRO_STATUS_SUCCESS {
                throw Problem.cannotRender(String(cString: cairo_status_to_string(status)))
            }
            return sink.bytes
        }
    }

    private final class PDFSink {
        var bytes: [UInt8] = []
    }

    static let bottom = height - margin

    /// A new page when `needed` more points do not fit on this one.
    private func room(_ cr: OpaquePointer, _ needed: Double, _ y: inout Double) {
        if y + needed > Self.bottom {
            cairo_show_page(cr)
            y = Self.margin
        }
    }

    private func draw(_ cr: OpaquePointer, code: QRCode) {
        var y = Self.margin
        cairo_set_source_rgb(cr, 0, 0, 0)
        for line in heading { centred(cr, line, size: 11, bold: true, &y) }
        y += 18
        centred(cr, title, size: 15, bold: true, &y)
        y += 16
        let labelWidth = 150.0, lineHeight = 15.0
        let valueWidth = Self.width - 2 * Self.margin - labelWidth
        for field in fields {
            select(cr, size: 10.5, bold: true)
            let labelLines = lines(cr, field.label, width: labelWidth - 8)
            select(cr, size: 10.5, bold: false)
            let valueLines = lines(cr, field.value, width: valueWidth)
            // A field starts on the page it fits on (a field longer than a page runs on).
            room(cr, Double(max(labelLines.count, valueLines.count)) * lineHeight, &y)
            for index in 0..<max(labelLines.count, valueLines.count) {
                room(cr, lineHeight, &y)
                y += lineHeight
                if index < labelLines.count {
                    select(cr, size: 10.5, bold: true)
                    cairo_move_to(cr, Self.margin, y)
                    cairo_show_text(cr, labelLines[index])
                }
                if index < valueLines.count {
                    select(cr, size: 10.5, bold: false)
                    cairo_move_to(cr, Self.margin + labelWidth, y)
                    cairo_show_text(cr, valueLines[index])
                }
            }
            y += 4
        }
        // The QR code, with its caption and link beside it, whole on the last page.
        let side = 120.0
        room(cr, side + 16, &y)
        let top = max(y + 16, Self.bottom - side)
        let module = side / Double(code.size + 8)  // a quiet zone of 4 modules each side
        cairo_set_source_rgb(cr, 0, 0, 0)
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) {
                cairo_rectangle(cr, Self.margin + Double(column + 4) * module, top + Double(row + 4) * module, module, module)
            }
        }
        cairo_fill(cr)
        let captionX = Self.margin + side + 12, captionWidth = Self.width - 2 * Self.margin - side - 12
        var captionY = top + 24
        select(cr, size: 10, bold: true)
        for line in lines(cr, qrCaption, width: captionWidth) { show(cr, line, x: captionX, lineHeight: 14, &captionY) }
        select(cr, size: 8, bold: false)
        for line in lines(cr, verificationURL, width: captionWidth) { show(cr, line, x: captionX, lineHeight: 11, &captionY) }
    }

    private func show(_ cr: OpaquePointer, _ line: String, x: Double, lineHeight: Double, _ y: inout Double) {
        y += lineHeight
        cairo_move_to(cr, x, y)
        cairo_show_text(cr, line)
    }

    private func select(_ cr: OpaquePointer, size: Double, bold: Bool) {
        cairo_select_font_face(cr, Self.font, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    private func advance(_ cr: OpaquePointer, _ text: String) -> Double {
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    private func centred(_ cr: OpaquePointer, _ text: String, size: Double, bold: Bool, _ y: inout Double) {
        select(cr, size: size, bold: bold)
        y += size * 1.5
        cairo_move_to(cr, (Self.width - advance(cr, text)) / 2, y)
        cairo_show_text(cr, text)
    }

    /// `text` in lines no wider than `width` in the selected font, broken between words (and
    /// inside a word longer than a line, e.g. a link).
    private func lines(_ cr: OpaquePointer, _ text: String, width: Double) -> [String] {
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ").map(String.init) {
                let candidate = line.isEmpty ? word : line + " " + word
                if advance(cr, candidate) <= width { line = candidate; continue }
                if !line.isEmpty { lines.append(line) }
                line = ""
                var rest = word
                while advance(cr, rest) > width, rest.count > 1 {
                    var cut = rest.count - 1
                    while cut > 1 && advance(cr, String(rest.prefix(cut))) > width { cut -= 1 }
                    lines.append(String(rest.prefix(cut)))
                    rest = String(rest.dropFirst(cut))
                }
                line = rest
            }
            lines.append(line)
        }
        return lines
    }
}
