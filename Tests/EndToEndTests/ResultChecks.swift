import Contracts
import Foundation
import Persistence
import Signatures
import TestSupport
import XCTest

/// Issue 16's bar for every procedure's result: issued signed by its organisation, verifiable by the
/// QR code read from its printed copy, listed in the member's data store, and revocable.
extension RoutingScenario {
    var archive: String { "http://127.0.0.1:18086" }

    /// Checks the result of decided dossier `code` from issue to revocation, as `organisation`
    /// issues it and `storeOrganisation` (the member's organisation now) manages it.
    func assertResultWithLegalForce(of code: String, member: MemberRecord, issuedBy organisation: String, documentType: String,
                                    title: String, storeOrganisation: String,
                                    file: StaticString = #filePath, line: UInt = #line) async throws {
        try TestEnvironment.eventually("result issued") {
            try TestEnvironment.value("SELECT status FROM archive.results WHERE dossier_code = $1 AND result_number = 1", [code]) == "issued"
        }
        let db = try TestEnvironment.database(role: "archive", schema: "archive")
        defer { db.close() }
        let row = try XCTUnwrap(try db.execute("""
            SELECT result_code, store_code, issuing_organisation_code, verification_token, document, signature
            FROM results WHERE dossier_code = $1 AND result_number = 1
            """, [code]).first)
        let resultCode = try row.string("result_code")
        XCTAssertTrue(resultCode.hasPrefix("KQ.\(member.citizenId).\(documentType).") && resultCode.hasSuffix("-\(organisation)"),
                      resultCode, file: file, line: line)
        XCTAssertEqual(try row.string("store_code"), "\(code)-KQ(1)", file: file, line: line)
        XCTAssertEqual(try row.string("issuing_organisation_code"), organisation, file: file, line: line)
        let anchors = try Data(contentsOf: URL(fileURLWithPath: ProcessInfo.processInfo.environment["TTHC_SIGNATURE_TRUST_ANCHORS"] ?? ""))
        let signed = try DetachedSignatureVerifier(trustAnchorsPEM: Array(anchors))
            .verify(signature: try row.bytes("signature"), content: try row.bytes("document"), fallbackTime: Date())
        XCTAssertEqual(signed.subjectSerialNumber, "TCD:\(organisation)", file: file, line: line)

        // The printed copy: its QR code leads to "valid"; its text is the result's.
        let link = "\(archive)/xac-thuc/\(try row.string("verification_token"))"
        let paper = try PaperScan(pdfURL: "\(link)/ban-giay.pdf")
        XCTAssertEqual(paper.qrLink, link, file: file, line: line)
        XCTAssertTrue(paper.text.contains(title.filter { !$0.isWhitespace }) && paper.text.contains(resultCode), paper.text,
                      file: file, line: line)
        let scanned = try XCTUnwrap(HTTPProbe.get(paper.qrLink.replacingOccurrences(of: "/xac-thuc/", with: "/v1/verify/")))
        XCTAssertTrue(scanned.body.contains(#""status":"valid""#) && scanned.body.contains(#""signatureValid":true"#), scanned.body,
                      file: file, line: line)

        // The member's data store, read by the organisation managing the member now.
        let storeToken = try await token(storeOrganisation), issuerToken = try await token(organisation)
        let store = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/members/\(member.memberId)/results",
                                                headers: ["Authorization": "Bearer \(storeToken)"]))
        XCTAssertTrue(store.status == 200 && store.body.contains(resultCode), store.body, file: file, line: line)

        // Revoked by its organisation: the same paper copy now leads to "revoked".
        let revocation = try XCTUnwrap(HTTPProbe.post(
            "\(archive)/v1/results/\(resultCode)/revocation",
            headers: ["Authorization": "Bearer \(issuerToken)", "Content-Type": "application/json"],
            body: #"{"reason": "Kiểm tra thu hồi"}"#))
        XCTAssertEqual(revocation.status, 200, revocation.body, file: file, line: line)
        let revoked = try XCTUnwrap(HTTPProbe.get(paper.qrLink.replacingOccurrences(of: "/xac-thuc/", with: "/v1/verify/")))
        XCTAssertTrue(revoked.body.contains(#""status":"revoked""#), revoked.body, file: file, line: line)
    }
}

/// A paper copy as a person handles it: downloaded, printed to an image (pdftoppm), its QR code
/// scanned (zbarimg), its text read (pdftotext, compared without spaces or line breaks).
struct PaperScan {
    let qrLink: String
    let text: String

    init(pdfURL: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pdf = folder.appendingPathComponent("ban-giay.pdf")
        guard try ExternalTool.run("curl", ["-sf", "-o", pdf.path, pdfURL]).status == 0 else { throw CocoaError(.fileReadUnknown) }
        _ = try ExternalTool.run("pdftoppm", ["-png", "-r", "150", "-singlefile", pdf.path, folder.appendingPathComponent("trang").path])
        qrLink = try ExternalTool.run("zbarimg", ["--raw", "-q", folder.appendingPathComponent("trang.png").path]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
        text = try ExternalTool.run("pdftotext", ["-enc", "UTF-8", pdf.path, "-"]).output.precomposedStringWithCanonicalMapping.filter { !$0.isWhitespace }
    }
}

/// A web page as a person sees it on a phone: opened in headless Chromium (Debian `chromium`) at a
/// phone's width, printed by the browser, and the printed text read back (pdftotext), so only what
/// is rendered and visible counts; `dom` is the document after the browser parsed it.
struct BrowserView {
    let visibleText: String
    let dom: String

    init(url: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pdf = folder.appendingPathComponent("trang.pdf")
        // A throwaway profile; no sandbox because the tests run as root.
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(folder.path)/profile",
                      "--window-size=390,844"]
        _ = try ExternalTool.run("chromium", common + ["--no-pdf-header-footer", "--print-to-pdf=\(pdf.path)", url])
        visibleText = try ExternalTool.run("pdftotext", ["-enc", "UTF-8", pdf.path, "-"]).output.precomposedStringWithCanonicalMapping
        dom = try ExternalTool.run("chromium", common + ["--dump-dom", url]).output
    }
}
