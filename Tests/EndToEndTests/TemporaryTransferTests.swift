import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Procedure 2, temporary transfer (chuyển sinh hoạt đảng tạm thời), after its approval: the
/// member asks for an extension through the integrator, the temporary committee decides it, both
/// organisations are told, and the transfer is reminded and closed at its end (DOMAIN §12).
final class TemporaryTransferTests: XCTestCase, RoutingScenario {
    /// Sends `temporary-transfer.extend.v1` and returns the answer's type and body.
    func extend(_ code: String, key: String, months: Int, reason: String = "Gia hạn hợp đồng làm việc",
                on channel: IntakeTests.ReplyChannel) throws -> (type: String?, body: [UInt8]) {
        _ = try channel.send(TemporaryTransferExtendV1(dossierCode: code, clientSubmissionId: key, months: months, reason: reason),
                             type: .temporaryTransferExtend)
        let reply = try channel.replies(1)[0]
        return (reply.properties.type, reply.body)
    }

    /// The temporary committee's decision over HTTP, as `token`'s officer.
    func decideExtension(_ code: String, _ decision: String, reason: String, token: String) throws -> (status: Int, body: String) {
        try XCTUnwrap(HTTPProbe.post("\(routing)/v1/temporary-transfers/\(code)/extension-request/decision",
                                     headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                     body: #"{"decision": "\#(decision)", "reason": "\#(reason)"}"#))
    }

    func recipients(_ code: String, _ type: MessageType) throws -> String? {
        try TestEnvironment.value("""
            SELECT string_agg(recipient_kind || ':' || recipient_id, ' ' ORDER BY recipient_kind, recipient_id)
            FROM notification.notices WHERE dossier_code = $1 AND source_type = $2
            """, [code, type.routingKey])
    }

    func testTheMemberAsksForAnExtensionTheTemporaryCommitteeDecidesBothOrganisationsAreToldAndTheTransferCloses() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")
        try system.startAll(environment: clock.environment)  // organisations' software approves
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let temporary = "\(tag)B.CB0011"
        var submit = SampleDossier.submit(organisation: system.organisation, member: member, decisionDate: Date())
        submit.procedureCode = "CSHD.TAMTHOI"
        submit.form = ["lyDo": "Làm việc có thời hạn tại TP Hồ Chí Minh", "noiDen": "Chi bộ số 11", "chiBoNoiDen": temporary,
                       "mucDich": "lam-viec", "thoiHanThang": "3"]
        var confirmation = submit.attachments[2]
        confirmation.componentCode = "XN"
        submit.attachments = [submit.attachments[0], confirmation]
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        // Intake takes an extension only once it has heard of the approval itself.
        try TestEnvironment.eventually("route completed, intake told") {
            try self.routeStatus(code) == "decided:approved" && ["decided", "result-issued"].contains(ValidationTests.intakeStatus(code))
        }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT ends_on::text FROM routing.temporary_transfers WHERE dossier_code = $1", [code]), "2027-02-28")

        // Intake's checks: another integrator's (or no) dossier, no months, no reason.
        let unknown = try extend("\(code)9", key: "gh-0-\(code)", months: 3, on: channel)
        XCTAssertEqual(unknown.type, MessageType.dossierRejected.cloudEventType)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: unknown.body).data.problems.map(\.code), ["unknown-dossier"])
        let empty = try extend(code, key: "gh-00-\(code)", months: 0, reason: "  ", on: channel)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: empty.body).data.problems.map(\.code),
                       ["extension-months-out-of-range", "extension-reason-required"])

        // Beyond the 12-month limit for work: taken by intake, refused at once by routing.
        var answer: (type: String?, body: [UInt8])?
        let tooLong = try event(.temporaryTransferExtensionRefused, TemporaryTransferExtensionV1.self, of: code, "refused at once") {
            answer = try extend(code, key: "gh-1-\(code)", months: 12, on: channel)
        }
        XCTAssertEqual(answer?.type, MessageType.temporaryTransferExtensionRequested.cloudEventType)
        XCTAssertEqual(tooLong.refusalCode, "beyond-allowed-period")
        XCTAssertEqual(tooLong.refusal, "Tổng thời hạn sinh hoạt tạm thời không được quá 12 tháng.")

        // 3 months: waits for the temporary committee; both organisations and the member are told.
        let pending = try event(.temporaryTransferExtensionPending, TemporaryTransferExtensionV1.self, of: code, "pending") {
            answer = try extend(code, key: "gh-2-\(code)", months: 3, on: channel)
        }
        XCTAssertEqual([pending.endsOn, pending.proposedEndsOn, pending.temporaryOrganisationCode], ["2027-02-28", "2027-05-31", temporary])
        try TestEnvironment.eventually("the request told to both organisations and the member") {
            try self.recipients(code, .temporaryTransferExtensionPending)
                == "member:\(member.memberId) organisation:\(system.organisation) organisation:\(temporary)"
        }
        // The same request again: the first answer, nothing new.
        let repeated = try extend(code, key: "gh-2-\(code)", months: 3, on: channel)
        XCTAssertEqual(try WireJSON.decode(Envelope<TemporaryTransferExtensionRequestedV1>.self, from: repeated.body).data,
                       try WireJSON.decode(Envelope<TemporaryTransferExtensionRequestedV1>.self, from: try XCTUnwrap(answer).body).data)
        // Another request while one waits: refused at once.
        let second = try event(.temporaryTransferExtensionRefused, TemporaryTransferExtensionV1.self, of: code, "second refused") {
            _ = try extend(code, key: "gh-3-\(code)", months: 2, on: channel)
        }
        XCTAssertEqual(second.refusalCode, "extension-already-requested")
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.extension_requests WHERE dossier_code = $1 AND status = 'requested'", [code]), 1)

        // Only the temporary committee sees and decides it.
        let temporaryToken = try await token(temporary), officialToken = try await token(system.organisation)
        let waiting = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/temporary-transfers/extension-requests",
                                                  headers: ["Authorization": "Bearer \(temporaryToken)"]))
        XCTAssertTrue(waiting.status == 200 && waiting.body.contains(code) && waiting.body.contains("2027-05-31"), waiting.body)
        let seenByOfficial = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/temporary-transfers/extension-requests",
                                                         headers: ["Authorization": "Bearer \(officialToken)"]))
        XCTAssertFalse(seenByOfficial.body.contains(code), seenByOfficial.body)
        XCTAssertEqual(try decideExtension(code, "grant", reason: "", token: officialToken).status, 403)
        XCTAssertEqual(try decideExtension(code, "grant", reason: "Đồng ý", token: temporaryToken).status, 200)
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT ends_on::text FROM routing.temporary_transfers WHERE dossier_code = $1", [code]), "2027-05-31")
        XCTAssertEqual(try decideExtension(code, "grant", reason: "Đồng ý", token: temporaryToken).status, 409, "nothing waits any more")
        // The official organisation keeps the member on its list: it is told of the extension, and so is the member.
        try TestEnvironment.eventually("the official organisation and the member told of the extension") {
            try self.recipients(code, .temporaryTransferExtended)
                == "member:\(member.memberId) organisation:\(system.organisation) organisation:\(temporary)"
        }

        // A further month, refused by the committee with its reason, which the member reads.
        let refused = try event(.temporaryTransferExtensionRefused, TemporaryTransferExtensionV1.self, of: code, "refused by the committee") {
            _ = try extend(code, key: "gh-4-\(code)", months: 1, on: channel)
            try TestEnvironment.eventually("waiting") {
                try TestEnvironment.count("SELECT count(*) AS n FROM routing.extension_requests WHERE dossier_code = $1 AND status = 'requested'",
                                          [code]) == 1
            }
            XCTAssertEqual(try decideExtension(code, "refuse", reason: "", token: temporaryToken).status, 422, "a refusal needs a reason")
            XCTAssertEqual(try decideExtension(code, "refuse", reason: "Chi bộ không đồng ý", token: temporaryToken).status, 200)
        }
        XCTAssertEqual([refused.refusalCode, refused.refusal, refused.endsOn], ["refused-by-committee", "Chi bộ không đồng ý", "2027-05-31"])
        try TestEnvironment.eventually("the member reads the committee's reason") {
            try TestEnvironment.value("""
                SELECT string_agg(text, ' | ') FROM notification.notices
                WHERE dossier_code = $1 AND recipient_kind = 'member' AND source_type = $2
                """, [code, MessageType.temporaryTransferExtensionRefused.routingKey])?.contains("Chi bộ không đồng ý") == true
        }
        // The integrator hears each answer on its timeline, which keeps the dossier's status.
        try TestEnvironment.eventually("the timeline has the requests and their answers") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND status IS NULL
                    AND event_type IN ($2, $3, $4, $5)
                """, [code, MessageType.temporaryTransferExtensionRequested.routingKey,
                      MessageType.temporaryTransferExtensionPending.routingKey, MessageType.temporaryTransferExtensionRefused.routingKey,
                      MessageType.temporaryTransferExtended.routingKey]) == 4 + 2 + 3 + 1
        }

        // Both organisations are reminded before the end, then the transfer closes the next day.
        let remindAt = try XCTUnwrap(TestEnvironment.value(
            "SELECT to_char(due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.timers WHERE kind = 'temporary-ending' AND key = $1",
            [code]))
        XCTAssertEqual(remindAt, "2027-05-17 08:00", "10 working days before Monday 31 May")
        let reminder = try event(.temporaryTransferEnding, TemporaryTransferV1.self, of: code, "reminder sent to both organisations") {
            try clock.set("2027-05-17 08:05")
        }
        XCTAssertEqual(reminder.officialOrganisationCode, system.organisation)
        XCTAssertEqual(reminder.temporaryOrganisationCode, temporary)
        XCTAssertEqual(try TestEnvironment.value("SELECT status FROM routing.temporary_transfers WHERE dossier_code = $1", [code]), "active")
        // A request still waiting when the period ends is refused with it: nobody waits for an answer that cannot come.
        _ = try event(.temporaryTransferExtensionPending, TemporaryTransferExtensionV1.self, of: code, "waiting at the end") {
            _ = try extend(code, key: "gh-5-\(code)", months: 1, on: channel)
        }
        let atClose = try event(.temporaryTransferExtensionRefused, TemporaryTransferExtensionV1.self, of: code, "refused at the close") {
            try clock.set("2027-06-01 00:05")
        }
        XCTAssertEqual(atClose.refusalCode, "not-active")
        try TestEnvironment.eventually("closed at the end") {
            try TestEnvironment.value("SELECT status FROM routing.temporary_transfers WHERE dossier_code = $1", [code]) == "closed"
        }
        try TestEnvironment.eventually("both organisations told of the end and of the close") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices WHERE dossier_code = $1 AND recipient_kind = 'organisation'
                    AND source_type IN ('temporary-transfer.ending.v1', 'temporary-transfer.closed.v1')
                    AND recipient_id IN ($2, $3)
                """, [code, system.organisation, temporary]) == 4
        }
        // After the end, a request is refused at once: the member is back with the official organisation.
        let afterEnd = try event(.temporaryTransferExtensionRefused, TemporaryTransferExtensionV1.self, of: code, "refused after the end") {
            _ = try extend(code, key: "gh-6-\(code)", months: 1, on: channel)
        }
        XCTAssertEqual(afterEnd.refusalCode, "not-active")
        // The introduction letter (GGT) was issued by the grassroots committee that decided it (issue 16).
        let grassroots = try XCTUnwrap(TestEnvironment.value(
            "SELECT organisation_code FROM routing.route_steps WHERE dossier_code = $1 AND step_code = 'GGT'", [code]))
        try await assertResultWithLegalForce(of: code, member: member, issuedBy: grassroots, documentType: "GGT",
                                             title: "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG", storeOrganisation: system.organisation)
        try system.stopAll()
    }
}
