import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Procedure 4 on the route (residence comments), delegation (Đ.11), and two routing replicas
/// given the same decisions twice; procedure 2 (temporary transfer) is TemporaryTransferTests.
final class ProcedureRoutingTests: XCTestCase, RoutingScenario {
    func testResidenceCommentsAcrossProvincesAreAnsweredOnTheFormEscalatedWhenOverdueAndReturnedToTheRequester() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")  // a Tuesday
        let member = try startSystem(system, environment: clock.environment)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let (workplace, residence) = ("\(tag)A.CS001", "\(tag)B.CB0011")
        // The workplace grassroots committee asks the residence cell in the other province, within
        // the campaign's deadline (Thursday 4 December); its letter carries its own signature.
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.residenceComment(member: member, requestingOrganisation: workplace,
                                                              residenceCell: residence, campaignDeadline: "2026-12-04"))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("request sent, the residence cell asked") { try self.currentStep(code)?.number == 2 }
        XCTAssertEqual(try TestEnvironment.value("""
            SELECT string_agg(step_code || '@' || organisation_code || ':' || status, ' ' ORDER BY step_number)
            FROM routing.route_steps WHERE dossier_code = $1
            """, [code]), "DN@\(workplace):automatic NX@\(residence):assigned LUU@\(workplace):waiting")
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 2",
            [code]), "2026-12-05 00:00", "the campaign deadline, not the plan's 15 working days")

        // Unanswered past the deadline: escalated to the organisation above the residence cell.
        let overdue = try event(.dossierStepOverdue, DossierStepOverdueV1.self, of: code, "escalated") {
            try clock.set("2026-12-05 08:00")
        }
        XCTAssertEqual(overdue.organisationCode, residence)
        XCTAssertEqual(overdue.escalatedToOrganisationCode, "\(tag)B.CS003")

        // Only the residence cell answers, on the comment form; the answer goes back to the requester.
        try await expectDecision(403, workplace, code, step: 2, "approve")
        let answer = ["uuDiem": "Gương mẫu chấp hành quy định nơi cư trú", "khuyetDiem": "Không",
                      "nhanXet": "Đảng viên giữ gìn phẩm chất, tham gia sinh hoạt tổ dân phố đầy đủ"]
        try await expectDecision(200, residence, code, step: 2, "approve", content: answer)
        try TestEnvironment.eventually("back at the requester") { try self.currentStep(code)?.organisation == workplace }
        try await expectDecision(200, workplace, code, step: 3, "approve")
        try TestEnvironment.eventually("decided and filed") {
            try self.routeStatus(code) == "decided:approved"
                && TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code = $1", [code]) == 1
        }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT on_time::text FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 2", [code]), "false")
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT content->>'nhanXet' FROM routing.route_steps WHERE dossier_code = $1 AND step_code = 'NX'", [code]), answer["nhanXet"])
        // The comment sheet (PNX) is the residence cell's result (issue 16); the member's own cell keeps the store.
        try await assertResultWithLegalForce(of: code, member: member, issuedBy: residence, documentType: "PNX",
                                             title: "PHIẾU NHẬN XÉT ĐẢNG VIÊN", storeOrganisation: system.organisation)
        try system.stopAll()
    }

    func testADossierSubmittedByADelegateRecordsTheDelegationInItsHistory() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        let delegate = TestEnvironment.members(2, organisation: system.organisation)[1]
        try TestEnvironment.registerMembers([delegate])
        try TestEnvironment.eventually("delegate replicated") {
            try TestEnvironment.count("SELECT count(*) AS n FROM validation.members WHERE member_id = $1", [delegate.memberId]) == 1
        }
        var submit = SampleDossier.submit(organisation: system.organisation, member: member)
        submit.delegation = SubmissionDelegation(delegateKind: .member, delegateId: delegate.memberId, delegateName: delegate.fullName,
                                                 form: .accountAuthorisation, authorisationReference: "VNEID-UQ-2026-000123")
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("route started") { try self.currentStep(code) != nil }
        // Recorded on the dossier: the public timeline, the route's history, the officers' view.
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = 'dossier.delegated'", [code]), 1)
        let recorded = try XCTUnwrap(TestEnvironment.value(
            "SELECT detail FROM routing.route_history WHERE dossier_code = $1 AND event = 'submitted-by-delegate'", [code]))
        XCTAssertTrue(recorded.contains(delegate.fullName) && recorded.contains(delegate.memberId), recorded)
        let officer = try await token(system.organisation)
        let view = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/dossiers/\(code)", headers: ["Authorization": "Bearer \(officer)"]))
        XCTAssertEqual(view.status, 200, view.body)
        XCTAssertTrue(view.body.contains("VNEID-UQ-2026-000123") && view.body.contains("submitted-by-delegate"), view.body)
        // The delegate follows the dossier: each notice to the member also reaches the delegate.
        let noticesTo = "SELECT count(*) AS n FROM notification.notices WHERE dossier_code = $1 AND recipient_id = $2"
        try TestEnvironment.eventually("received and accepted notices to both") {
            try TestEnvironment.count(noticesTo, [code, member.memberId]) == 2 && TestEnvironment.count(noticesTo, [code, delegate.memberId]) == 2
        }
        let toDelegate = try XCTUnwrap(TestEnvironment.value(
            "SELECT text FROM notification.notices WHERE dossier_code = $1 AND recipient_id = $2 AND source_type = 'dossier.accepted.v1'",
            [code, delegate.memberId]))
        XCTAssertTrue(toDelegate.contains("ủy quyền") && toDelegate.contains(member.memberId) && toDelegate.contains(code), toDelegate)
        try await expectDecision(200, system.organisation, code, step: 1, "refuse", reason: "Thiếu ý kiến chi ủy")
        try TestEnvironment.eventually("the refusal reaches the delegate") {
            try TestEnvironment.value(
                "SELECT text FROM notification.notices WHERE dossier_code = $1 AND recipient_id = $2 AND source_type = 'dossier.decided.v1'",
                [code, delegate.memberId])?.contains("Thiếu ý kiến chi ủy") == true
        }

        // A delegate the registry does not know: one supplement request says so.
        var unknown = SampleDossier.submit(organisation: system.organisation, member: member)
        unknown.delegation = SubmissionDelegation(delegateKind: .member, delegateId: "KHONG-CO-000001", delegateName: "Không Có",
                                                  form: .accountAuthorisation, authorisationReference: "VNEID-UQ-2026-000124")
        _ = try channel.submit(unknown)
        let second = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("supplement requested") {
            try TestEnvironment.value("SELECT problems::text FROM validation.dossiers WHERE code = $1 AND status = 'supplement-requested'",
                                      [second])?.contains("delegate-not-member") == true
        }
        try system.stopAll()
    }

    func testTwoRoutingReplicasApplyDuplicatedDecisionsExactlyOnce() throws {
        let system = try SystemHarness()
        try system.startAll(autoDecide: false)
        let second = try ServiceProcess("routing", httpPort: 18093, environment: ["TTHC_CONSUMERS": "2", "TTHC_BATCH_SIZE": "20"])
        defer { _ = try? second.terminate() }
        try second.waitUntilReady()
        let software = try OrganisationSoftwareSimulator(url: TestEnvironment.amqpURL(user: "org-software-test"),
                                                         prefixes: [String(system.organisation.prefix { $0 != "." }.dropLast())],
                                                         copies: 2)
        defer { software.stop() }
        try TestEnvironment.submitDossiers(200, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 120, "200 decided") {
            try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code LIKE $1 AND status = 'decided'",
                                      [system.organisation + "-%"]) == 200
        }
        // Each of the 4 steps taken on each route (cell, letter, presentation, receiving cell; the
        // late presentation's decision skipped) decided exactly once, and one result each.
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM routing.route_history WHERE dossier_code LIKE $1 AND event = 'decided-approve'
            """, [system.organisation + "-%"]), 800)
        try TestEnvironment.eventually("archived once each") { try system.archived() == 200 }
        try system.stopAll()
    }
}
