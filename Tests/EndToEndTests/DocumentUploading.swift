import Contracts
import Foundation
import Persistence
import Signatures
import TestSupport
import XCTest

/// Uploading a document to archive as an integrator does: an upload ticket from intake, then the
/// bytes PUT with curl.
protocol DocumentUploading: XCTestCase {}

extension DocumentUploading {
    /// Uploads `bytes` as `component` of `procedure` for `member`: the document reference
    /// and the ticket (for its signature).
    func upload(_ bytes: [UInt8], component: String, fileName: String, for member: MemberRecord, in folder: URL,
                procedure: String = ProcedureCode.officialTransfer) throws -> (reference: DocumentReference, ticket: UploadTicketV1) {
        let asked = try XCTUnwrap(HTTPProbe.post(
            "http://127.0.0.1:\(SystemHarness.ports["intake"]!)/v1/documents/upload-tickets",
            headers: ["Authorization": "Bearer portal-test-token", "Content-Type": "application/json"],
            body: #"{"procedureCode":"\#(procedure)","componentCode":"\#(component)","memberId":"\#(member.memberId)"}"#))
        XCTAssertEqual(asked.status, 201, asked.body)
        let ticket = try WireJSON.decode(UploadTicketV1.self, from: Array(asked.body.utf8))
        let file = folder.appendingPathComponent(fileName)
        try Data(bytes).write(to: file)
        let status = try put(file, to: ticket.uploadURL, ticket: ticket.ticket, type: "application/pdf")
        XCTAssertEqual(status.code, 201, status.body)
        return (DocumentReference(componentCode: component, fileName: fileName, documentId: ticket.documentId,
                                  mediaType: "application/pdf", sizeBytes: bytes.count, sha256: sha256Hex(bytes)), ticket)
    }

    func put(_ file: URL, to url: String, ticket: String, type: String) throws -> (code: Int, body: String) {
        let out = file.deletingLastPathComponent().appendingPathComponent("answer-\(UUID().uuidString)")
        let status = try ExternalTool.run("curl", ["-s", "-o", out.path, "-w", "%{http_code}", "-X", "PUT", "-H", "Expect:",
                                                   "--data-binary", "@\(file.path)", "-H", "Authorization: Bearer \(ticket)",
                                                   "-H", "Content-Type: \(type)", url]).output
        return (Int(status) ?? 0, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }
}
