import CCairo
import Foundation

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

    /// The PDF's bytes.
    public func pdf() throws -> [UInt8] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tthc-paper-\(UUID().uuidString).pdf")
        defer { try? FileManager.default.removeItem(at: file) }
        guard let surface = cairo_pdf_surface_create(file.path, Self.width, Self.height) else { throw Problem.cannotRender("surface") }
        guard let cr = cairo_create(surface) else {
            cairo_surface_destroy(surface)
            throw Problem.cannotRender("context")
        }
        var y = Self.margin
        draw(cr, &y)
        let status = cairo_status(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        guard status == CAIRO_STATUS_SUCCESS else { throw Problem.cannotRender(String(cString: cairo_status_to_string(status))) }
        return Array(try Data(contentsOf: file))
    }

    private func draw(_ cr: OpaquePointer, _ y: inout Double) {
        cairo_set_source_rgb(cr, 0, 0, 0)
        for line in heading { centred(cr, line, size: 11, bold: true, &y) }
        y += 18
        centred(cr, title, size: 15, bold: true, &y)
        y += 16
        let labelWidth = 150.0
        for field in fields {
            select(cr, size: 10.5, bold: true)
            let top = y
            var labelY = top
            wrapped(cr, field.label, x: Self.margin, width: labelWidth - 8, lineHeight: 15, &labelY)
            select(cr, size: 10.5, bold: false)
            var valueY = top
            wrapped(cr, field.value, x: Self.margin + labelWidth, width: Self.width - 2 * Self.margin - labelWidth,
                    lineHeight: 15, &valueY)
            y = max(labelY, valueY) + 4
        }
        // The QR code, bottom left, with its caption and link beside it.
        guard let code = try? QRCode(verificationURL) else { return }
        let side = 120.0
        let module = side / Double(code.size + 8)  // a quiet zone of 4 modules each side
        let top = max(y + 16, Self.height - Self.margin - side)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_rectangle(cr, Self.margin, top, side, side)
        cairo_fill(cr)
        cairo_set_source_rgb(cr, 0, 0, 0)
        for row in 0..<code.size {
            for column in 0..<code.size where code.isDark(row: row, column: column) {
                cairo_rectangle(cr, Self.margin + Double(column + 4) * module, top + Double(row + 4) * module, module, module)
            }
        }
        cairo_fill(cr)
        var captionY = top + 24
        select(cr, size: 10, bold: true)
        wrapped(cr, qrCaption, x: Self.margin + side + 12, width: Self.width - 2 * Self.margin - side - 12, lineHeight: 14, &captionY)
        select(cr, size: 8, bold: false)
        wrapped(cr, verificationURL, x: Self.margin + side + 12, width: Self.width - 2 * Self.margin - side - 12, lineHeight: 11,
                &captionY)
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

    /// Draws `text` from (x, y) in lines no wider than `width`, breaking between words (and inside
    /// a word longer than a line, e.g. a link).
    private func wrapped(_ cr: OpaquePointer, _ text: String, x: Double, width: Double, lineHeight: Double, _ y: inout Double) {
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
        for line in lines {
            y += lineHeight
            cairo_move_to(cr, x, y)
            cairo_show_text(cr, line)
        }
    }
}
