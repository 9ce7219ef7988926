import Foundation
import PaperCopies
import TestSupport
import XCTest

/// The paper copy as a person and a phone see it: rendered to an image (pdftoppm), its QR code read
/// by zbarimg, its text layer (pdftotext) holding every Vietnamese letter the catalog uses.
final class PaperCopyTests: XCTestCase {
    func run(_ tool: String, _ arguments: [String]) throws -> String {
        let (status, output) = try ExternalTool.run(tool, arguments)
        XCTAssertEqual(status, 0, "\(tool) \(arguments)")
        return output
    }

    /// The copy's PDF in a folder of its own (removed by the caller).
    func written(_ copy: PaperCopy) throws -> (folder: URL, pdf: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("paper-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let pdf = folder.appendingPathComponent("ban-giay.pdf")
        try Data(try copy.pdf()).write(to: pdf)
        return (folder, pdf)
    }

    func testThePDFCarriesTheTextAndAQRCodeThatReadsBackAsTheLink() throws {
        let link = "http://127.0.0.1:8086/xac-thuc/q0Yq9n3kQf2yJ6w0m8c1H5x7Zb4Tt2Lr9Vd3Pa6Ue1S"
        // Every lower- and upper-case Vietnamese letter with its tone marks.
        let alphabet = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
        let copy = PaperCopy(heading: ["ĐẢNG CỘNG SẢN VIỆT NAM"], title: "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG",
                             fields: [("Họ và tên", "Nguyễn Thị Hương Giang"), ("Chữ cái", alphabet),
                                      ("Chữ hoa", alphabet.uppercased()),
                                      ("Ghi chú", String(repeating: "Đã đóng đảng phí đến hết tháng 11/2026. ", count: 6))],
                             verificationURL: link, qrCaption: "Quét mã QR để xác thực bản giấy")
        let (folder, pdf) = try written(copy)
        defer { try? FileManager.default.removeItem(at: folder) }

        // Lines wrap where the page ends them: compared without spaces and line breaks.
        let text = try run("pdftotext", ["-enc", "UTF-8", pdf.path, "-"]).precomposedStringWithCanonicalMapping
            .filter { !$0.isWhitespace }
        for expected in ["ĐẢNG CỘNG SẢN VIỆT NAM", "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG", "Nguyễn Thị Hương Giang", alphabet,
                         alphabet.uppercased(), "Quét mã QR để xác thực bản giấy"] {
            XCTAssertTrue(text.contains(expected.filter { !$0.isWhitespace }), "missing \(expected) in:\n\(text)")
        }
        _ = try run("pdftoppm", ["-png", "-r", "150", "-singlefile", pdf.path, folder.appendingPathComponent("trang").path])
        let decoded = try run("zbarimg", ["--raw", "-q", folder.appendingPathComponent("trang.png").path])
        XCTAssertEqual(decoded.trimmingCharacters(in: .whitespacesAndNewlines), link)
    }

    func testLongContentRunsOnNewPagesAndTheQRCodeStaysWholeOnTheLast() throws {
        let link = "http://127.0.0.1:8086/xac-thuc/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        let copy = PaperCopy(heading: ["ĐẢNG CỘNG SẢN VIỆT NAM"], title: "PHIẾU NHẬN XÉT ĐẢNG VIÊN",
                             fields: (1...70).map { ("Nội dung \($0)", "Ý kiến nhận xét số \($0) của chi ủy nơi cư trú.") },
                             verificationURL: link, qrCaption: "Quét mã QR để xác thực bản giấy")
        let (folder, pdf) = try written(copy)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pages = try run("pdfinfo", [pdf.path]).split(separator: "\n").first { $0.hasPrefix("Pages:") }
            .flatMap { Int($0.dropFirst("Pages:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        XCTAssertGreaterThanOrEqual(pages, 2)
        let text = try run("pdftotext", ["-enc", "UTF-8", pdf.path, "-"])
        XCTAssertTrue(text.contains("Ý kiến nhận xét số 70"), "the last field is printed")
        _ = try run("pdftoppm", ["-png", "-r", "150", "-f", "\(pages)", "-l", "\(pages)", "-singlefile", pdf.path,
                                 folder.appendingPathComponent("cuoi").path])
        XCTAssertEqual(try run("zbarimg", ["--raw", "-q", folder.appendingPathComponent("cuoi.png").path])
            .trimmingCharacters(in: .whitespacesAndNewlines), link)
    }
}
