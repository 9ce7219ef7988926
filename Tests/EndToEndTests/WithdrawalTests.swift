import Contracts
import Foundation
import Messaging
import Persistence
import TestSupport
import XCTest

/// Issue 15: withdrawal (rút hồ sơ) before a decision. Intake takes the request from the
/// integrator that submitted the dossier; whoever holds the dossier closes it and announces
/// `dossier.withdrawn.v1` exactly once: routing after acceptance, validation before.
final class WithdrawalTests: XCTestCase, RoutingScenario {
    func withdrawnEvents(_ code: String) throws -> Int {
        try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                                  [code, MessageType.dossierWithdrawn.routingKey])
    }

    /// The member's notice of the withdrawal (routing's or validation's announcement names the member).
    func memberTold(_ code: String, _ member: MemberRecord) throws -> Bool {
        try TestEnvironment.value("""
            SELECT text FROM notification.notices WHERE dossier_code = $1 AND recipient_id = $2 AND source_type = 'dossier.withdrawn.v1'
            """, [code, member.memberId])?.contains("lý do: Đảng viên không chuyển công tác nữa") == true
    }

    /// Sends `dossier.withdraw.v1` and returns the answer's type and payload.
    func withdraw(_ code: String, key: String, reason: String = "Đảng viên không chuyển công tác nữa",
                  on channel: IntakeTests.ReplyChannel) throws -> (type: String?, body: [UInt8]) {
        _ = try channel.send(DossierWithdrawV1(dossierCode: code, clientSubmissionId: key, reason: reason), type: .dossierWithdraw)
        let reply = try channel.replies(1)[0]
        return (reply.properties.type, reply.body)
    }

    func testADossierOnItsRouteIsWithdrawnOnceAndARepeatGetsTheSameAnswer() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let code = try submit(system, member: member, destination: "\(tag)A.CB0004")
        let channel = try IntakeTests.ReplyChannel()

        // Only an approved temporary transfer can be extended (this is an official transfer on its route).
        _ = try channel.send(TemporaryTransferExtendV1(dossierCode: code, clientSubmissionId: "gh-\(code)", months: 3, reason: "Gia hạn"),
                             type: .temporaryTransferExtend)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: try channel.replies(1)[0].body).data.problems.map(\.code),
                       ["not-a-temporary-transfer-in-force"])

        let first = try withdraw(code, key: "rut-\(code)", on: channel)
        XCTAssertEqual(first.type, MessageType.dossierWithdrawalRequested.cloudEventType)
        let requested = try WireJSON.decode(Envelope<DossierWithdrawalRequestedV1>.self, from: first.body).data
        XCTAssertEqual(requested.reason, "Đảng viên không chuyển công tác nữa")
        try TestEnvironment.eventually("the route ends and the dossier is withdrawn") {
            try self.routeStatus(code) == "withdrawn" && ValidationTests.intakeStatus(code) == "withdrawn"
        }
        try TestEnvironment.eventually("the member is told") { try self.memberTold(code, member) }
        XCTAssertEqual(try TestEnvironment.value("SELECT status FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1", [code]),
                       "cancelled", "the assigned step is never decided")
        // Validation marks it too (silently: routing announced it), so a racing return cannot reopen it there.
        try TestEnvironment.eventually("validation marks it withdrawn") {
            try TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code]) == "withdrawn"
        }
        try await expectDecision(409, system.organisation, code, step: 1, "approve")

        // A repeat (another client id, or the same) gets the first request's answer; nothing is emitted again.
        let again = try withdraw(code, key: "rut-again-\(code)", reason: "Lý do khác", on: channel)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierWithdrawalRequestedV1>.self, from: again.body).data.clientSubmissionId,
                       "rut-\(code)")
        let reused = try withdraw(code, key: "rut-\(code)", reason: "Lý do khác", on: channel)
        XCTAssertTrue(String(decoding: reused.body, as: UTF8.self).contains("idempotency-key-reused"))
        XCTAssertEqual(try withdrawnEvents(code), 1)

        // A decided dossier cannot be withdrawn.
        let refused = try submit(system, member: member, destination: "\(tag)A.CB0004")
        try await expectDecision(200, system.organisation, refused, step: 1, "refuse", reason: "Đảng viên đang bị xem xét kỷ luật")
        try TestEnvironment.eventually("decided") { try ["decided", "result-issued"].contains(ValidationTests.intakeStatus(refused)) }
        let late = try withdraw(refused, key: "rut-\(refused)", on: channel)
        XCTAssertEqual(late.type, MessageType.dossierRejected.cloudEventType)
        XCTAssertTrue(String(decoding: late.body, as: UTF8.self).contains("not-withdrawable"))
        // Nor can another integrator's dossier, or one that does not exist.
        let unknown = try withdraw("HN.XX-000000-000000", key: "rut-unknown-\(code)", on: channel)
        XCTAssertTrue(String(decoding: unknown.body, as: UTF8.self).contains("unknown-dossier"))
        try system.stopAll()
    }

    func testADossierValidationStillHoldsIsWithdrawnByValidationAndTakesNoSupplement() throws {
        let system = try SystemHarness()
        try system.startAll(autoDecide: false)
        let channel = try IntakeTests.ReplyChannel()
        let (member, code) = try ValidationTests.dossierAwaitingSupplement(system, on: channel)

        XCTAssertEqual(try withdraw(code, key: "rut-\(code)", on: channel).type, MessageType.dossierWithdrawalRequested.cloudEventType)
        try TestEnvironment.eventually("validation closes it") {
            try TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code]) == "withdrawn"
                && ValidationTests.intakeStatus(code) == "withdrawn"
        }
        try TestEnvironment.eventually("the member is told") { try self.memberTold(code, member) }
        XCTAssertEqual(try withdrawnEvents(code), 1)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM validation.timers WHERE key = $1 AND kind = 'supplement-expiry' AND fired_at IS NULL", [code]), 0,
            "no longer waiting for the supplement")
        // The route never starts, and a late amendment is refused.
        _ = try channel.send(DossierSupplementV1(dossierCode: code, clientSubmissionId: "bs-\(code)",
                                                 submitter: SubmitterCorrection(fullName: member.fullName)),
                             type: .dossierSupplement)
        let answer = try channel.replies(1)[0]
        XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("not-awaiting-supplement"))
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code = $1", [code]), 0)
        try system.stopAll()
    }

    /// A route an organisation returned leaves the dossier with validation until the supplement:
    /// validation alone closes it, withdrawn at the submitter's request or refused when the
    /// supplement never comes, so the two can never both be announced; the route ends with it.
    func testAReturnedDossierIsWithdrawnByValidationAloneAndItsSupplementNoLongerExpires() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-11-30 09:00")
        let member = try startSystem(system, environment: clock.environment)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let code = try submit(system, member: member, destination: "\(tag)A.CB0004")
        try await expectDecision(200, system.organisation, code, step: 1, "return", reason: "Thiếu quyết định điều động")
        try TestEnvironment.eventually("returned, validation waiting for the supplement") {
            try self.routeStatus(code) == "returned"
                && TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code]) == "supplement-requested"
        }
        let listener = try TestEnvironment.amqp()
        defer { listener.close() }
        let events = try listener.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        for type in [MessageType.dossierWithdrawn, .dossierRefused] {
            try listener.bindQueue(events, exchange: Exchange.events, routingKey: type.routingKey)
        }
        let channel = try IntakeTests.ReplyChannel()
        XCTAssertEqual(try withdraw(code, key: "rut-\(code)", on: channel).type, MessageType.dossierWithdrawalRequested.cloudEventType)
        try TestEnvironment.eventually("the route ends with the dossier") { try self.routeStatus(code) == "withdrawn" }
        // Past the supplement's deadline: nothing expires any more.
        try clock.set("2027-01-12 17:01")
        var announced: [String] = []
        try TestEnvironment.eventually("validation's announcement") {
            while let delivery = try listener.get(queue: events) {
                let envelope = try WireJSON.decode(Envelope<JSONValue>.self, from: delivery.body)
                if envelope.subject == code { announced.append("\(envelope.type) \(envelope.source)") }
            }
            return !announced.isEmpty
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM validation.timers WHERE key = $1 AND fired_at IS NULL", [code]), 0,
                       "no supplement expiry left to fire")
        while let delivery = try listener.get(queue: events) {
            let envelope = try WireJSON.decode(Envelope<JSONValue>.self, from: delivery.body)
            if envelope.subject == code { announced.append("\(envelope.type) \(envelope.source)") }
        }
        XCTAssertEqual(announced, ["\(MessageType.dossierWithdrawn.cloudEventType) urn:tthc:validation"])
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.withdrawal_requests WHERE dossier_code = $1", [code]), 0, "the remembered request is spent")
        try system.stopAll()
    }
}
