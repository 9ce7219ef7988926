import Contracts
import Foundation
import Messaging
import Persistence
import TestSupport
import XCTest

/// Issues 16 and 17, Đ.13.2 ("ask only once"): a component is given by an earlier result of the
/// member's data store, named by its result code, where the catalog lets that result stand for it;
/// archive answers each reference from the data store (`result.references-checked.v1`) and
/// validation judges by that answer, never by the submitter's word; another member's result is a
/// problem that tells nothing more.
extension DocumentDossierTests {
    func testAnEarlierResultOfTheMembersDataStoreStandsForAComponentWhereTheCatalogSaysSo() async throws {
        // A published catalog version in which the official transfer's decision (QD) may be given
        // by an introduction letter (GGT) the member already holds.
        let catalog = try TestCatalog.acceptingResults(["GGT"], for: "QD", of: ProcedureCode.officialTransfer)
        defer { try? FileManager.default.removeItem(at: catalog) }
        let system = try SystemHarness()
        try system.startAll(environment: ["TTHC_CATALOG_DIRECTORY": catalog.path])
        let members = TestEnvironment.members(2, organisation: system.organisation)
        try TestEnvironment.registerMembersReplicated(members)
        let (holder, other) = (members[0], members[1])
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("result-reference-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }

        // The holder's first transfer ends with a signed GGT result in their data store.
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: holder))
        let first = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually(timeout: 90, "first decided") { try self.routeStatus(first) == "decided:approved" }
        var resultCode = ""
        try TestEnvironment.eventually("result issued") {
            resultCode = try TestEnvironment.value("SELECT result_code FROM archive.results WHERE dossier_code = $1 AND status = 'issued'",
                                                   [first]) ?? ""
            return !resultCode.isEmpty
        }
        let newCell = SampleDossier.nextCell(after: holder.organisationCode)

        /// A v2 official transfer with its request and self-review uploaded and signed, and `references`.
        func submit(by member: MemberRecord, at organisation: String, references: [ResultReference]) throws -> Envelope<JSONValue> {
            let sample = SampleDossier.submit(organisation: organisation, member: member, destination: SampleDossier.nextCell(after: organisation))
            var attachments: [DocumentReference] = []
            for (component, title) in [("DDN", "Don de nghi"), ("BTKD", "Ban tu kiem diem")] {
                let bytes = Array("%PDF-1.4\n% \(title) \(UUID().uuidString)\n%%EOF\n".utf8)
                let uploaded = try upload(bytes, component: component, fileName: "\(component).pdf", for: member, in: folder)
                XCTAssertEqual(try sign(bytes, by: member, ticket: uploaded.ticket, in: folder).code, 201)
                attachments.append(uploaded.reference)
            }
            let submission = DossierSubmitV2(clientSubmissionId: sample.clientSubmissionId, procedureCode: sample.procedureCode,
                                             receivingOrganisationCode: organisation, submitter: sample.submitter,
                                             formVersion: sample.formVersion, form: sample.form, attachments: attachments,
                                             resultReferences: references)
            let replies = try IntakeTests.ReplyChannel()
            _ = try replies.send(submission, type: .dossierSubmitV2)
            return try WireJSON.decode(Envelope<JSONValue>.self, from: try replies.replies(1)[0].body)
        }

        // The holder's next dossier gives QD by the result: accepted, routed, QD never uploaded.
        try TestEnvironment.awaitMember(holder.memberId, in: newCell)
        let reused = try submit(by: holder, at: newCell, references: [ResultReference(componentCode: "QD", resultCode: resultCode)])
        XCTAssertEqual(reused.type, MessageType.dossierReceived.cloudEventType, "\(reused.data)")
        let second = try XCTUnwrap(reused.subject)
        try TestEnvironment.eventually("accepted with the result for QD") { try self.checkStatus(second) == "accepted" }
        // The committees reading the dossier's documents are led to the result (its page and paper copy).
        let officer = try await token(newCell)
        var listed: DossierDocumentsV1?
        try TestEnvironment.eventually("the result among the dossier's documents") {
            let answer = try XCTUnwrap(HTTPProbe.get("\(self.archive)/v1/dossiers/\(second)/documents", headers: ["Authorization": "Bearer \(officer)"]))
            listed = try? WireJSON.decode(DossierDocumentsV1.self, from: Array(answer.body.utf8))
            return listed?.results.isEmpty == false
        }
        let given = try XCTUnwrap(listed?.results.first)
        XCTAssertEqual([given.componentCode, given.resultCode, given.documentTypeCode, given.status], ["QD", resultCode, "GGT", "valid"])
        XCTAssertEqual(Set(listed?.documents.map(\.componentCode) ?? []), ["DDN", "BTKD"])
        let page = try XCTUnwrap(HTTPProbe.get(given.verificationURL.replacingOccurrences(of: "/xac-thuc/", with: "/v1/verify/")))
        XCTAssertTrue(page.body.contains(#""status":"valid""#), page.body)

        // Another member naming the holder's result: one problem that tells nothing more.
        let foreign = try submit(by: other, at: system.organisation, references: [ResultReference(componentCode: "QD", resultCode: resultCode)])
        let third = try XCTUnwrap(foreign.subject)
        try TestEnvironment.eventually("answered with a supplement request") { try self.checkStatus(third) == "supplement-requested" }
        let problems = try XCTUnwrap(try TestEnvironment.value("SELECT problems::text FROM validation.dossiers WHERE code = $1", [third]))
        XCTAssertTrue(problems.contains("result-reference-invalid") && problems.contains("$.data.resultReferences[0].resultCode"), problems)
        XCTAssertFalse(problems.contains(holder.memberId) || problems.contains(holder.fullName), problems)
        let receiving = try await token(system.organisation)
        let foreignListing = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/dossiers/\(third)/documents", headers: ["Authorization": "Bearer \(receiving)"]))
        XCTAssertEqual(foreignListing.status, 200, foreignListing.body)
        XCTAssertEqual(try WireJSON.decode(DossierDocumentsV1.self, from: Array(foreignListing.body.utf8)).results, [],
                       "naming another member's result leads nobody to it")

        // A component the catalog does not let a result stand for is refused at intake.
        let refused = try submit(by: holder, at: newCell, references: [ResultReference(componentCode: "DDN", resultCode: resultCode)])
        XCTAssertEqual(refused.type, MessageType.dossierRejected.cloudEventType)
        XCTAssertTrue("\(refused.data)".contains("duplicate-component") && "\(refused.data)".contains("result-not-accepted"), "\(refused.data)")

        // Revoked (Đ.18), the result no longer stands for anything.
        let issuer = try XCTUnwrap(try TestEnvironment.value("SELECT issuing_organisation_code FROM archive.results WHERE result_code = $1",
                                                             [resultCode]))
        let issuingOfficer = try await token(issuer)
        let revoked = try XCTUnwrap(HTTPProbe.post("\(archive)/v1/results/\(resultCode)/revocation",
                                                   headers: ["Authorization": "Bearer \(issuingOfficer)", "Content-Type": "application/json"],
                                                   body: #"{"reason": "Cấp nhầm"}"#))
        XCTAssertEqual(revoked.status, 200, revoked.body)
        // Archive answers again for the dossiers that named it, so one still being checked or
        // amended is judged by what stands now (the accepted one stays accepted).
        try TestEnvironment.eventually("validation heard the new answer") {
            try TestEnvironment.count(
                "SELECT count(*) AS n FROM validation.result_facts WHERE dossier_code = $1 AND result_code = $2 AND revoked_at IS NOT NULL",
                [second, resultCode]) == 1
        }
        XCTAssertEqual(try checkStatus(second), "accepted")
        // (The second transfer moved the holder on once decided; the next dossier is sent there.)
        try TestEnvironment.eventually(timeout: 90, "second decided") { try self.routeStatus(second) == "decided:approved" }
        try TestEnvironment.awaitMember(holder.memberId, in: SampleDossier.nextCell(after: newCell))
        let afterRevocation = try submit(by: holder, at: SampleDossier.nextCell(after: newCell), references: [ResultReference(componentCode: "QD", resultCode: resultCode)])
        let fourth = try XCTUnwrap(afterRevocation.subject)
        try TestEnvironment.eventually("a revoked result is a problem") { try self.checkStatus(fourth) == "supplement-requested" }
        let answer = try XCTUnwrap(try TestEnvironment.value("SELECT problems::text FROM validation.dossiers WHERE code = $1", [fourth]))
        XCTAssertTrue(answer.contains("result-reference-invalid"), answer)
        try system.stopAll()
    }
}
