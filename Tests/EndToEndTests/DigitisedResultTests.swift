import Contracts
import Foundation
import Signatures
import TestSupport
import XCTest

/// Đ.20: an old paper result digitised with `tthc-admin results import` becomes an electronic copy
/// marked converted from paper, signed by the importing organisation, verifiable and printable like
/// any result, in the holder's data store, with its scan kept; importing it again is a repeat.
final class DigitisedResultTests: XCTestCase, RoutingScenario {
    func testAPaperResultImportedIsSignedByTheImportingOrganisationMarkedConvertedAndKeptOnce() async throws {
        let system = try SystemHarness()
        try system.startAll()
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembers([member])
        try TestEnvironment.eventually("member replicated in archive") {
            try TestEnvironment.count("SELECT count(*) AS n FROM archive.member_organisations WHERE member_id = $1", [member.memberId]) == 1
        }
        let organisation = system.organisation
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sohoa-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let scan = folder.appendingPathComponent("giay-gioi-thieu-2019.pdf")
        let marker = "SCAN-\(UUID().uuidString)"
        let scanBytes = Array("%PDF-1.4\n% bản quét giấy giới thiệu số 45-GGT/ĐU \(marker)\n%%EOF\n".utf8)
        try Data(scanBytes).write(to: scan)
        let officer = try await token(organisation)
        func importing(_ scanPath: String, token: String) throws -> (status: Int32, output: String) {
            try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), [
                "results", "import", "--archive-url", archive, "--token", token, "--scan", scanPath,
                "--member-id", member.memberId, "--citizen-id", member.citizenId, "--holder-name", member.fullName,
                "--document-type", "GGT", "--original-number", "45-GGT/ĐU", "--original-issued-on", "2019-05-04",
                "--original-issuer", "Đảng ủy phường Láng Hạ", "--field", "chiBoNoiDen=Chi bộ Tổ dân phố số 5"])
        }
        let first = try importing(scan.path, token: officer)
        XCTAssertEqual(first.status, 0, first.output)
        let answer = Dictionary(uniqueKeysWithValues: first.output.split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: "\t", maxSplits: 1)
            return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
        })
        let resultCode = try XCTUnwrap(answer["resultCode"]), link = try XCTUnwrap(answer["verificationURL"])
        XCTAssertTrue(resultCode.hasPrefix("KQ.\(member.citizenId).GGT.1-") && resultCode.hasSuffix("-\(organisation)"), resultCode)
        XCTAssertTrue(try XCTUnwrap(answer["storeCode"]).hasPrefix("\(organisation)-SH-"), first.output)

        // The same paper original again: the first copy, not a second one.
        let again = try importing(scan.path, token: officer)
        XCTAssertTrue(again.output.contains(resultCode), again.output)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE member_id = $1", [member.memberId]), 1)

        // Signed by the importing organisation over bytes that bind the scan's digest.
        let row = try XCTUnwrap(try TestEnvironment.database(role: "archive", schema: "archive")
            .execute("SELECT document, signature FROM results WHERE result_code = $1", [resultCode]).first)
        let anchors = try Data(contentsOf: URL(fileURLWithPath: ProcessInfo.processInfo.environment["TTHC_SIGNATURE_TRUST_ANCHORS"] ?? ""))
        let signed = try DetachedSignatureVerifier(trustAnchorsPEM: Array(anchors))
            .verify(signature: try row.bytes("signature"), content: try row.bytes("document"), fallbackTime: Date())
        XCTAssertEqual(signed.subjectSerialNumber, "TCD:\(organisation)")
        XCTAssertTrue(String(decoding: try row.bytes("document"), as: UTF8.self).contains(sha256Hex(scanBytes)))

        // Anyone with the link: valid, converted from paper; the printed copy says so too.
        let verified = try XCTUnwrap(HTTPProbe.get(link.replacingOccurrences(of: "/xac-thuc/", with: "/v1/verify/")))
        XCTAssertTrue(verified.body.contains(#""status":"valid""#) && verified.body.contains(#""convertedFromPaper":true"#)
                      && verified.body.contains(#""signatureValid":true"#), verified.body)
        XCTAssertTrue(HTTPProbe.get(link)?.body.contains("chuyển đổi từ bản giấy") == true)
        let paper = try PaperScan(pdfURL: "\(link)/ban-giay.pdf")
        XCTAssertEqual(paper.qrLink, link)
        for expected in ["Bản điện tử chuyển đổi từ bản giấy", "45-GGT/ĐU", "Đảng ủy phường Láng Hạ", "Chi bộ Tổ dân phố số 5", resultCode] {
            XCTAssertTrue(paper.text.contains(expected.filter { !$0.isWhitespace }), "\(expected) not in: \(paper.text)")
        }

        // In the member's data store; its scan, byte for byte, for the organisations concerned only.
        let store = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/members/\(member.memberId)/results", headers: ["Authorization": "Bearer \(officer)"]))
        XCTAssertTrue(store.body.contains(resultCode), store.body)
        let kept = folder.appendingPathComponent("kept.pdf")
        XCTAssertEqual(try ExternalTool.run("curl", ["-sf", "-o", kept.path, "-H", "Authorization: Bearer \(officer)",
                                                     "\(archive)/v1/results/\(resultCode)/scan"]).status, 0)
        XCTAssertEqual(Array(try Data(contentsOf: kept)), scanBytes)
        XCTAssertEqual(try TestEnvironment.tablesContaining(marker), [], "the scan is kept sealed")
        let stranger = try await token("\(organisation)9")
        XCTAssertEqual(HTTPProbe.get("\(archive)/v1/results/\(resultCode)/scan", headers: ["Authorization": "Bearer \(stranger)"])?.status, 403)

        // Bad input is answered, never stored: a file that is not what its name says, an auditor importing.
        let fake = folder.appendingPathComponent("anh.png")
        try Data(scanBytes).write(to: fake)
        let mismatch = try importing(fake.path, token: officer)
        XCTAssertTrue(mismatch.status != 0 && mismatch.output.contains("scan-media-type-mismatch"), mismatch.output)
        // Another holder's paper under the same original number, date and issuer: a conflict, not the first copy.
        let other = try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), [
            "results", "import", "--archive-url", archive, "--token", officer, "--scan", scan.path,
            "--member-id", member.memberId + "0", "--citizen-id", member.citizenId, "--holder-name", member.fullName,
            "--document-type", "GGT", "--original-number", "45-GGT/ĐU", "--original-issued-on", "2019-05-04",
            "--original-issuer", "Đảng ủy phường Láng Hạ"])
        XCTAssertTrue(other.status != 0 && other.output.contains("original-already-digitised") && !other.output.contains(resultCode),
                      other.output)
        let byAuditor = try importing(scan.path, token: try await token(organisation, role: "auditor"))
        XCTAssertTrue(byAuditor.status != 0 && byAuditor.output.contains("403"), byAuditor.output)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE member_id = $1", [member.memberId]), 1)

        // Revoked by the importing organisation like any result: the link says so from that instant.
        let revocation = try XCTUnwrap(HTTPProbe.post("\(archive)/v1/results/\(resultCode)/revocation",
                                                      headers: ["Authorization": "Bearer \(officer)", "Content-Type": "application/json"],
                                                      body: #"{"reason": "Bản giấy gốc đã bị thay thế"}"#))
        XCTAssertEqual(revocation.status, 200, revocation.body)
        XCTAssertTrue(HTTPProbe.get(link.replacingOccurrences(of: "/xac-thuc/", with: "/v1/verify/"))?.body
            .contains(#""status":"revoked""#) == true)
        try system.stopAll()
    }
}
