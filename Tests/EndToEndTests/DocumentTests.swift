import Contracts
import Foundation
import Persistence
import Signatures
import TestSupport
import XCTest

/// Issue 17: documents uploaded once to archive with intake's ticket, streamed into chunks sealed
/// with their own data key; downloaded whole or by range; refused past their size, type or digest
/// with nothing left behind; never plaintext in the database; readable across a master key rotation.
final class DocumentTests: XCTestCase, RoutingScenario {
    let intake = "http://127.0.0.1:18081"

    func ticket(_ component: String = "BTKD", procedure: String = ProcedureCode.officialTransfer,
                member: String = "DV0000001") throws -> UploadTicketV1 {
        let answer = try XCTUnwrap(HTTPProbe.post("\(intake)/v1/documents/upload-tickets",
                                                  headers: ["Authorization": "Bearer portal-test-token", "Content-Type": "application/json"],
                                                  body: #"{"procedureCode":"\#(procedure)","componentCode":"\#(component)","memberId":"\#(member)"}"#))
        XCTAssertEqual(answer.status, 201, answer.body)
        return try WireJSON.decode(UploadTicketV1.self, from: Array(answer.body.utf8))
    }

    /// PUTs `file` with curl as an integrator would; the status and the answer.
    func upload(_ file: URL, to url: String, ticket: String, type: String = "application/pdf",
                headers: [String] = []) throws -> (status: Int, body: String) {
        let out = file.deletingLastPathComponent().appendingPathComponent("answer-\(UUID().uuidString)")
        let status = try ExternalTool.run("curl", ["-s", "-o", out.path, "-w", "%{http_code}", "-X", "PUT", "--data-binary", "@\(file.path)",
                                                   "-H", "Authorization: Bearer \(ticket)", "-H", "Content-Type: \(type)"]
                                          + headers.flatMap { ["-H", $0] } + [url]).output
        return (Int(status) ?? 0, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }

    func download(_ url: String, token: String, headers: [String] = [], to file: URL) throws -> String {
        try ExternalTool.run("curl", ["-s", "-D", "-", "-o", file.path, "-H", "Authorization: Bearer \(token)"]
                             + headers.flatMap { ["-H", $0] } + [url]).output
    }

    func testADocumentIsUploadedOnceSealedReadByRangeRefusedWhenWrongAndReadableAcrossAKeyRotation() async throws {
        let system = try SystemHarness()
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        let clock = try ControllableClock(formatter.string(from: Date()))
        try system.startAll(environment: clock.environment)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("documents-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // A 9 MiB scanned PDF carrying a marker that must be nowhere in plaintext.
        let marker = "MARKER-\(UUID().uuidString)"
        var pdf = Array("%PDF-1.7\n% \(marker) bản tự kiểm điểm\n".utf8)
        var generator = SystemRandomNumberGenerator()
        while pdf.count < 9 * 1024 * 1024 { pdf += (0..<65536).map { _ in UInt8.random(in: 0...255, using: &generator) } + Array(marker.utf8) }
        let scan = folder.appendingPathComponent("btkd.pdf")
        try Data(pdf).write(to: scan)
        let granted = try ticket()
        XCTAssertEqual(granted.maximumBytes, 10_485_760)
        XCTAssertEqual(granted.mediaTypes, ["application/pdf"])
        let digest = "Repr-Digest: sha-256=:\(Data(sha256(pdf)).base64EncodedString()):"
        let stored = try upload(scan, to: granted.uploadURL, ticket: granted.ticket, headers: [digest])
        XCTAssertEqual(stored.status, 201, stored.body)
        let facts = try WireJSON.decode(StoredDocumentV1.self, from: Array(stored.body.utf8))
        XCTAssertEqual([facts.documentId, facts.sha256, String(facts.sizeBytes), facts.componentCode],
                       [granted.documentId, sha256Hex(pdf), String(pdf.count), "BTKD"])
        // The same upload again (a retry): the same facts, nothing new.
        let again = try upload(scan, to: granted.uploadURL, ticket: granted.ticket)
        XCTAssertEqual(again.status, 200, again.body)
        XCTAssertEqual(try WireJSON.decode(StoredDocumentV1.self, from: Array(again.body.utf8)), facts)

        // Read back by an auditor, whole and by range; anyone else is refused.
        let auditor = try await token(system.organisation, role: "auditor")
        let whole = folder.appendingPathComponent("whole.pdf")
        let headers = try download(granted.uploadURL, token: auditor, to: whole)
        XCTAssertTrue(headers.hasPrefix("HTTP/1.1 200") && headers.lowercased().contains("etag: \"\(facts.sha256)\"")
                      && headers.lowercased().contains("content-length: \(pdf.count)"), headers)
        XCTAssertEqual(sha256Hex(Array(try Data(contentsOf: whole))), facts.sha256)
        let part = folder.appendingPathComponent("part")
        let partHeaders = try download(granted.uploadURL, token: auditor, headers: ["Range: bytes=262000-262999"], to: part)
        XCTAssertTrue(partHeaders.hasPrefix("HTTP/1.1 206") && partHeaders.contains("bytes 262000-262999/\(pdf.count)"), partHeaders)
        XCTAssertEqual(Array(try Data(contentsOf: part)), Array(pdf[262000...262999]), "a range across two chunks")
        let officer = try await token(system.organisation)
        XCTAssertEqual(HTTPProbe.get(granted.uploadURL, headers: ["Authorization": "Bearer \(officer)"])?.status, 403)
        XCTAssertEqual(HTTPProbe.get(granted.uploadURL)?.status, 401)
        let probe = granted.uploadURL.replacingOccurrences(of: granted.documentId, with: UUID().uuidString.lowercased())
        XCTAssertEqual(HTTPProbe.get(probe, headers: ["Authorization": "Bearer \(officer)"])?.status, 403, "existence is not told either")

        // Refused, and nothing left behind: too large, not the declared type, not the declared digest,
        // a forged ticket or another document's ticket.
        let tooLarge = folder.appendingPathComponent("big.pdf")
        try Data(pdf + Array(repeating: 0, count: 10_485_760 + 1 - pdf.count)).write(to: tooLarge)
        var refusedIds: [String] = []
        for (file, type, extra, status, code) in [
            (tooLarge, "application/pdf", [String](), 413, "document-too-large"),
            (scan, "image/png", [], 415, "media-type-not-allowed"),
            (folder.appendingPathComponent("png.pdf"), "application/pdf", [], 422, "media-type-mismatch"),
            (scan, "application/pdf", ["Repr-Digest: sha-256=:\(Data(sha256(Array("x".utf8))).base64EncodedString()):"], 422, "digest-mismatch"),
            (scan, "application/pdf", ["Repr-Digest: sha-256=:abc:"], 400, "invalid-repr-digest"),
        ] {
            if file.lastPathComponent == "png.pdf" { try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).write(to: file) }
            let fresh = try ticket()
            refusedIds.append(fresh.documentId)
            let answer = try upload(file, to: fresh.uploadURL, ticket: fresh.ticket, type: type, headers: extra)
            XCTAssertTrue(answer.status == status && answer.body.contains(code), "\(code): \(answer.status) \(answer.body)")
        }
        // Cut off halfway (the sender goes away after 600 KiB of 5 MiB): nothing is left behind.
        let interrupted = try ticket()
        let url = try XCTUnwrap(URL(string: interrupted.uploadURL))
        _ = try ExternalTool.run("python3", ["-c", """
            import socket
            s = socket.create_connection(("\(url.host ?? "")", \(url.port ?? 80)))
            s.sendall(b"PUT \(url.path) HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer \(interrupted.ticket)\\r\\n"
                      b"Content-Type: application/pdf\\r\\nContent-Length: 5242880\\r\\n\\r\\n%PDF-" + b"x" * 614400)
            s.close()
            """])
        refusedIds.append(interrupted.documentId)
        try TestEnvironment.eventually("the interrupted upload removed") {
            try TestEnvironment.count("SELECT count(*) AS n FROM archive.documents WHERE document_id = $1::uuid", [interrupted.documentId]) == 0
                && TestEnvironment.count("SELECT count(*) AS n FROM archive.document_chunks WHERE document_id = $1::uuid",
                                         [interrupted.documentId]) == 0
        }
        let other = try ticket()
        XCTAssertEqual(try upload(scan, to: other.uploadURL, ticket: granted.ticket).status, 401, "a ticket is for its own document")
        XCTAssertEqual(try upload(scan, to: other.uploadURL, ticket: String(other.ticket.dropLast(2)) + "xx").status, 401)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM archive.documents WHERE document_id::text = ANY($1::text[])",
                                                 [PostgresArray(refusedIds + [other.documentId])]), 0)

        // Nowhere in plaintext: not in any schema's tables, as text or as bytes.
        XCTAssertEqual(try TestEnvironment.tablesContaining(marker), [])

        // Rotation: a new master key becomes current, the old one stays until archive has re-wrapped
        // every data key (its upkeep timer), then goes; the document reads the same.
        let environment = ProcessInfo.processInfo.environment
        let newKey = Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        try system.stop("archive")
        _ = try system.start("archive", environment: clock.environment.merging([
            "TTHC_DOCUMENT_KEYS": "\(environment["TTHC_DOCUMENT_KEYS"] ?? ""),rot-2:\(newKey)", "TTHC_DOCUMENT_KEY_ID": "rot-2"]) { $1 })
        try clock.set(formatter.string(from: Date().addingTimeInterval(180)))
        // Every document of the database is re-wrapped, 500 a batch: a developer's database full of
        // benchmark documents takes longer than CI's.
        let toRewrap = try TestEnvironment.count("SELECT count(*) AS n FROM archive.documents WHERE master_key_id <> 'rot-2'")
        try TestEnvironment.eventually(timeout: 30 + Double(toRewrap) / 200, "re-wrapped under the new key") {
            try TestEnvironment.value("SELECT master_key_id FROM archive.documents WHERE document_id = $1::uuid", [facts.documentId]) == "rot-2"
        }
        try system.stop("archive")
        _ = try system.start("archive", environment: clock.environment.merging([
            "TTHC_DOCUMENT_KEYS": "rot-2:\(newKey)", "TTHC_DOCUMENT_KEY_ID": "rot-2"]) { $1 })
        let afterRotation = folder.appendingPathComponent("after.pdf")
        _ = try download(granted.uploadURL, token: auditor, to: afterRotation)
        XCTAssertEqual(sha256Hex(Array(try Data(contentsOf: afterRotation))), facts.sha256)
        try system.stopAll()
    }
}
