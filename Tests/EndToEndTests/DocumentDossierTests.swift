import Contracts
import Foundation
import Messaging
import Persistence
import Signatures
import TestSupport
import XCTest

/// Issue 17: a dossier whose components were uploaded to archive (`dossier.submit.v2`): a 9 MiB
/// scanned self-review goes from upload to the dossier's result, its signature verified by archive
/// and judged by validation from archive's facts; the dossier waits visibly for a fact still on its
/// way; a reference to another member's document is a problem that tells nothing more; no message
/// carries a document's bytes and no schema holds them in plaintext.
final class DocumentDossierTests: XCTestCase, RoutingScenario, DocumentUploading {
    let intake = "http://127.0.0.1:18081"

    /// The member's detached signature over `bytes`, PUT beside the document.
    func sign(_ bytes: [UInt8], by member: MemberRecord, ticket: UploadTicketV1, in folder: URL) throws -> (code: Int, body: String) {
        let signature = SampleDossier.signature(over: bytes, by: member, fileName: "x.p7s")
        let file = folder.appendingPathComponent("\(ticket.documentId).p7s")
        try XCTUnwrap(signature.contentBase64.flatMap { Data(base64Encoded: $0) }).write(to: file)
        return try put(file, to: "\(ticket.uploadURL)/signature", ticket: ticket.ticket, type: "application/pkcs7-signature")
    }

    func submission(_ id: String, member: MemberRecord, organisation: String, attachments: [DocumentReference]) -> DossierSubmitV2 {
        let sample = SampleDossier.submit(clientSubmissionId: id, organisation: organisation, member: member)
        return DossierSubmitV2(clientSubmissionId: id, procedureCode: sample.procedureCode,
                               receivingOrganisationCode: sample.receivingOrganisationCode, submitter: sample.submitter,
                               formVersion: sample.formVersion, form: sample.form, attachments: attachments)
    }

    func checkStatus(_ code: String) throws -> String? {
        try TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code])
    }

    func testADossierOfUploadedDocumentsReachesItsResultWithNoBytesInAnyMessageOrPlaintextInAnySchema() async throws {
        let system = try SystemHarness()
        try system.startAll()
        let members = TestEnvironment.members(3, organisation: system.organisation)
        try TestEnvironment.registerMembersReplicated(members)
        let member = members[0]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("document-dossier-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Every message on the broker's exchanges while the dossier lives, to look for its bytes.
        let spy = try TestEnvironment.amqp()
        defer { spy.close() }
        let spied = try spy.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        for exchange in [Exchange.events, Exchange.intake, Exchange.integrators, Exchange.organisations] {
            try spy.bindQueue(spied, exchange: exchange, routingKey: "#")
        }

        // The member's self-review, scanned: 9 MiB, with a marker to look for.
        let marker = "MARKER-\(UUID().uuidString)"
        var scan = Array("%PDF-1.7\n% \(marker) bản tự kiểm điểm\n".utf8)
        var generator = SystemRandomNumberGenerator()
        while scan.count < 9 * 1024 * 1024 {
            scan += (0..<65536).map { _ in UInt8.random(in: 0...255, using: &generator) } + Array(marker.utf8)
        }
        let request = Array("%PDF-1.4\n% Don de nghi chuyen sinh hoat dang \(marker)\n%%EOF\n".utf8)
        let decision = Array("%PDF-1.4\n% Quyet dinh dieu dong \(marker)\n%%EOF\n".utf8)
        let ddn = try upload(request, component: "DDN", fileName: "don-de-nghi.pdf", for: member, in: folder)
        let btkd = try upload(scan, component: "BTKD", fileName: "ban-tu-kiem-diem.pdf", for: member, in: folder)
        let qd = try upload(decision, component: "QD", fileName: "quyet-dinh.pdf", for: member, in: folder)
        let signed = try sign(request, by: member, ticket: ddn.ticket, in: folder)
        XCTAssertEqual(signed.code, 201, signed.body)
        let facts = try WireJSON.decode(StoredDocumentV1.self, from: Array(signed.body.utf8))
        XCTAssertEqual(facts.signature?.subjectSerialNumber, member.citizenId)
        // A signature over other bytes is refused where the bytes are, before any dossier needs it.
        let forged = try sign(decision, by: member, ticket: btkd.ticket, in: folder)
        XCTAssertTrue(forged.code == 422 && forged.body.contains("signature-invalid"), "\(forged)")

        // Submitted before the self-review's signature is uploaded: the dossier waits for that fact.
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.send(submission(UUID().uuidString.lowercased(), member: member, organisation: system.organisation,
                                        attachments: [ddn.reference, btkd.reference, qd.reference]), type: .dossierSubmitV2)
        let receipt = try channel.replies(1)[0]
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: receipt.body).data.dossierCode
        try TestEnvironment.eventually("waiting for the signature's facts") { try self.checkStatus(code) == "awaiting-documents" }
        let late = try sign(scan, by: member, ticket: btkd.ticket, in: folder)
        XCTAssertEqual(late.code, 201, late.body)
        try TestEnvironment.eventually(timeout: 90, "decided") { try self.routeStatus(code) == "decided:approved" }
        try TestEnvironment.eventually("result issued") {
            try TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code = $1 AND status = 'issued'", [code]) == 1
        }

        // Each committee on the route reads the scan in its step (the receiving cell, the committees
        // that comment and decide, the receiving side of the transfer); another organisation may not,
        // and is not told whether it exists; every read is audited.
        let routingDatabase = try TestEnvironment.database(role: "routing", schema: "routing")
        defer { routingDatabase.close() }
        let organisations = Set(try routingDatabase.execute("SELECT DISTINCT organisation_code FROM route_steps WHERE dossier_code = $1",
                                                            [code]).rows.map { try $0.string("organisation_code") } + [system.organisation])
        XCTAssertGreaterThanOrEqual(organisations.count, 3, "\(organisations)")
        // Archive learns who takes part from routing's step events, on a queue of its own.
        try awaitParticipants(code, organisations)
        for organisation in organisations {
            let officer = try await token(organisation)
            let listed = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/dossiers/\(code)/documents", headers: ["Authorization": "Bearer \(officer)"]))
            XCTAssertEqual(listed.status, 200, "\(organisation): \(listed.body)")
            let documents = try WireJSON.decode(DossierDocumentsV1.self, from: Array(listed.body.utf8)).documents
            XCTAssertEqual(Set(documents.map(\.componentCode)), ["DDN", "BTKD", "QD"])
            let selfReview = try XCTUnwrap(documents.first { $0.componentCode == "BTKD" })
            XCTAssertEqual(selfReview.document.signature?.subjectSerialNumber, member.citizenId)
            let read = folder.appendingPathComponent("read-\(organisation).pdf")
            _ = try ExternalTool.run("curl", ["-s", "-o", read.path, "-H", "Authorization: Bearer \(officer)", archive + selfReview.url])
            XCTAssertEqual(sha256Hex(Array(try Data(contentsOf: read))), btkd.reference.sha256, "\(organisation) reads the scan")
        }
        // The officers' views of routing and validation lead there.
        let receiving = try await token(system.organisation)
        for view in ["\(routing)/v1/dossiers/\(code)", "http://127.0.0.1:18082/v1/dossiers/\(code)/revisions"] {
            let answer = try XCTUnwrap(HTTPProbe.get(view, headers: ["Authorization": "Bearer \(receiving)"]))
            let link = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["documentsURL"] as? String,
                                     answer.body)
            XCTAssertEqual(link, "\(archive)/v1/dossiers/\(code)/documents")
        }
        let outsider = try await token("\(system.organisation)X")
        XCTAssertEqual(HTTPProbe.get("\(archive)/v1/dossiers/\(code)/documents", headers: ["Authorization": "Bearer \(outsider)"])?.status, 403)
        XCTAssertEqual(HTTPProbe.get("\(archive)/v1/documents/\(btkd.reference.documentId)",
                                     headers: ["Authorization": "Bearer \(outsider)"])?.status, 403)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM archive.audit_log WHERE dossier_code = $1 AND action = 'read-document' AND allowed", [code]),
                       organisations.count)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM archive.audit_log WHERE organisation_code = $1 AND NOT allowed", ["\(system.organisation)X"]), 2)

        // Other members' documents, referenced by a third member's dossier: problems that tell nothing about whose they are.
        let foreign = try upload(request, component: "DDN", fileName: "don-khac.pdf", for: members[1], in: folder)
        XCTAssertEqual(try sign(request, by: members[1], ticket: foreign.ticket, in: folder).code, 201)
        _ = try channel.send(submission(UUID().uuidString.lowercased(), member: members[2], organisation: system.organisation,
                                        attachments: [foreign.reference, btkd.reference, qd.reference]), type: .dossierSubmitV2)
        let second = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("supplement requested") { try self.checkStatus(second) == "supplement-requested" }
        let problems = try XCTUnwrap(try TestEnvironment.value("SELECT problems::text FROM validation.dossiers WHERE code = $1", [second]))
        XCTAssertTrue(problems.contains("document-reference-invalid") && problems.contains("$.data.attachments[0].documentId"), problems)
        for owner in members.prefix(2) {
            XCTAssertFalse(problems.contains(owner.memberId) || problems.contains(owner.fullName), problems)
        }
        // Naming others' documents gains the receiving organisation no right to read them.
        try awaitParticipants(second, [system.organisation])
        let receivingOfficer = try await token(system.organisation)
        let listedForeign = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/dossiers/\(second)/documents",
                                                        headers: ["Authorization": "Bearer \(receivingOfficer)"]))
        XCTAssertEqual(try WireJSON.decode(DossierDocumentsV1.self, from: Array(listedForeign.body.utf8)).documents, [], listedForeign.body)

        // Reused (Đ.13.2): the second member's request, uploaded for an official transfer, stands in a
        // temporary transfer, with its confirmation uploaded for it; nothing is uploaded again.
        let confirmation = try upload(decision, component: "XN", fileName: "xac-nhan.pdf", for: members[1], in: folder, procedure: "CSHD.TAMTHOI")
        var temporary = submission(UUID().uuidString.lowercased(), member: members[1], organisation: system.organisation,
                                   attachments: [foreign.reference, confirmation.reference])
        temporary.procedureCode = "CSHD.TAMTHOI"
        temporary.form = ["lyDo": "Làm việc có thời hạn tại TP Hồ Chí Minh", "noiDen": "Chi bộ số 11", "mucDich": "lam-viec",
                          "thoiHanThang": "3", "chiBoNoiDen": "\(system.organisation.prefix { $0 != "." }.dropLast())B.CB0011"]
        _ = try channel.send(temporary, type: .dossierSubmitV2)
        let reusing = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("accepted") { try self.checkStatus(reusing) == "accepted" }

        // The same over intake's HTTP edge (POST /v2/dossiers), the third member's own documents.
        let third = members[2]
        var own: [DocumentReference] = []
        for (component, bytes, signed) in [("DDN", request, true), ("BTKD", request, true), ("QD", decision, false)] {
            let uploaded = try upload(bytes, component: component, fileName: "\(component.lowercased()).pdf", for: third, in: folder)
            if signed { XCTAssertEqual(try sign(bytes, by: third, ticket: uploaded.ticket, in: folder).code, 201) }
            own.append(uploaded.reference)
        }
        let body = String(decoding: try WireJSON.encode(submission("http-\(UUID().uuidString)", member: third,
                                                                   organisation: system.organisation, attachments: own)), as: UTF8.self)
        let posted = try XCTUnwrap(HTTPProbe.post("\(intake)/v2/dossiers", headers: [
            "Authorization": "Bearer portal-test-token", "Content-Type": "application/json", "Idempotency-Key": "http-\(UUID().uuidString)"],
                                                  body: body))
        XCTAssertEqual(posted.status, 201, posted.body)
        let overHTTP = try WireJSON.decode(DossierReceivedV1.self, from: Array(posted.body.utf8)).dossierCode
        try TestEnvironment.eventually("accepted") { try self.checkStatus(overHTTP) == "accepted" }

        // No message carried a document's bytes; no schema holds them in plaintext.
        var seen = 0
        while let delivery = try spy.get(queue: spied) {
            seen += 1
            XCTAssertLessThan(delivery.body.count, 64 * 1024, "a message as large as a document: \(delivery.routingKey)")
            XCTAssertFalse(String(decoding: delivery.body, as: UTF8.self).contains(marker), "\(delivery.routingKey) carries the marker")
        }
        XCTAssertGreaterThan(seen, 10)
        XCTAssertEqual(try TestEnvironment.tablesContaining(marker), [])
        try system.stopAll()
    }

    /// A dossier naming documents that never arrive does not wait past its check deadline (Đ.14.3):
    /// it is answered with a supplement request naming each.
    func testReferencesToDocumentsThatNeverArriveAreAnsweredAtTheCheckDeadline() throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-11-30 09:00")  // a Monday
        try system.startAll(environment: clock.environment)
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        let never = ["DDN", "BTKD", "QD"].map {
            DocumentReference(componentCode: $0, fileName: "\($0).pdf", documentId: UUID().uuidString.lowercased(),
                              mediaType: "application/pdf", sizeBytes: 4096, sha256: String(repeating: "ab", count: 32))
        }
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.send(submission(UUID().uuidString.lowercased(), member: member, organisation: system.organisation,
                                        attachments: never), type: .dossierSubmitV2)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("waiting for the documents' facts") { try self.checkStatus(code) == "awaiting-documents" }
        try clock.set("2026-12-01 09:30")  // past 8 working hours (the next morning)
        try TestEnvironment.eventually("answered at the deadline") { try self.checkStatus(code) == "supplement-requested" }
        let problems = try XCTUnwrap(try TestEnvironment.value("SELECT problems::text FROM validation.dossiers WHERE code = $1", [code]))
        for index in 0..<3 {
            XCTAssertTrue(problems.contains("$.data.attachments[\(index)].documentId"), problems)
        }
        try system.stopAll()
    }

    /// v1 keeps working: its inline components are handed to archive once, where the committees
    /// read them like uploaded ones, and intake keeps only their digests.
    func testAVersionOneDossiersInlineComponentsAreHandedToArchiveOnceAndKeptNowhereInPlaintext() async throws {
        let system = try SystemHarness()
        try system.startAll()
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        let marker = "MARKER-\(UUID().uuidString)"
        var submit = SampleDossier.submit(organisation: system.organisation, member: member)
        let decision = Array("%PDF-1.4\n% Quyet dinh dieu dong \(marker)\n%%EOF\n".utf8)
        let index = try XCTUnwrap(submit.attachments.firstIndex { $0.componentCode == "QD" })
        submit.attachments[index] = AttachmentReference(componentCode: "QD", fileName: "quyet-dinh.pdf", mediaType: "application/pdf",
                                                        sizeBytes: decision.count, sha256: sha256Hex(decision),
                                                        contentBase64: Data(decision).base64EncodedString())
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually(timeout: 60, "decided") { try self.routeStatus(code) == "decided:approved" }
        // The same submission again is still the same dossier (its digests are compared, not its bytes).
        _ = try channel.submit(submit)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode, code)

        let officer = try await token(system.organisation)
        let listed = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/dossiers/\(code)/documents", headers: ["Authorization": "Bearer \(officer)"]))
        let documents = try WireJSON.decode(DossierDocumentsV1.self, from: Array(listed.body.utf8)).documents
        XCTAssertEqual(Set(documents.map(\.componentCode)), ["DDN", "BTKD", "QD"], listed.body)
        let handed = try XCTUnwrap(documents.first { $0.componentCode == "QD" })
        XCTAssertEqual([handed.document.sha256, handed.document.mediaType], [sha256Hex(decision), "application/pdf"])
        let read = try XCTUnwrap(HTTPProbe.get(archive + handed.url, headers: ["Authorization": "Bearer \(officer)"]))
        XCTAssertEqual(read.body, String(decoding: decision, as: UTF8.self))
        // Not in plaintext, nor as the base64 it arrived in (intake kept that before).
        XCTAssertEqual(try TestEnvironment.tablesContaining(marker), [])
        XCTAssertEqual(try TestEnvironment.tablesContaining(Data(decision).base64EncodedString()), [])
        try system.stopAll()
    }

    /// Waits until archive counts `organisations` among those reading `code`'s documents.
    func awaitParticipants(_ code: String, _ organisations: Set<String>) throws {
        try TestEnvironment.eventually("archive knows who takes part in \(code)") {
            try TestEnvironment.count("SELECT count(*) AS n FROM archive.dossier_participants WHERE dossier_code = $1 AND organisation_code = ANY($2::text[])",
                                      [code, PostgresArray(Array(organisations))]) == organisations.count
        }
    }
}
