import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Issue 5: routes between organisations, officers' decisions over HTTP and AMQP, delegation,
/// deadlines and escalation, with the six services on the real servers and the test's own
/// organisation tree (`TestEnvironment.organisationTree(around:)`).
final class RoutingTests: XCTestCase {
    let routing = "http://127.0.0.1:18083"

    func token(_ organisation: String, person: String = "CB-1", role: String = "officer") async throws -> String {
        let secret = ProcessInfo.processInfo.environment["TTHC_OFFICER_TOKEN_SECRET"] ?? ""
        return try await OfficerTokens(secret: secret).sign(OfficerClaims(
            person: person, organisation: organisation, role: role, expires: Date().addingTimeInterval(600)))
    }

    /// Decides a step over HTTP as an officer; returns the status and body.
    @discardableResult
    func decide(_ code: String, step: Int, _ decision: String, reason: String? = nil, token: String,
                content: [String: String]? = nil) throws -> (status: Int, body: String) {
        var body: [String: Any] = ["decision": decision]
        body["reason"] = reason
        body["content"] = content
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try XCTUnwrap(HTTPProbe.post("\(routing)/v1/dossiers/\(code)/steps/\(step)/decision",
                                            headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                            body: json))
    }

    func decideAs(_ organisation: String, _ code: String, step: Int, _ decision: String, reason: String? = nil,
                  content: [String: String]? = nil) async throws -> (status: Int, body: String) {
        try decide(code, step: step, decision, reason: reason, token: try await token(organisation), content: content)
    }

    func expectDecision(_ status: Int, _ organisation: String, _ code: String, step: Int, _ decision: String,
                        reason: String? = nil, content: [String: String]? = nil,
                        file: StaticString = #filePath, line: UInt = #line) async throws {
        let answer = try await decideAs(organisation, code, step: step, decision, reason: reason, content: content)
        XCTAssertEqual(answer.status, status, answer.body, file: file, line: line)
    }

    /// The current step's number and organisation, once the route is in progress.
    func currentStep(_ code: String) throws -> (number: Int, organisation: String)? {
        guard let row = try TestEnvironment.value("""
            SELECT s.step_number || ' ' || s.organisation_code FROM routing.routes r
            JOIN routing.route_steps s ON s.dossier_code = r.dossier_code AND s.step_number = r.current_step
            WHERE r.dossier_code = $1 AND r.status = 'in-progress' AND s.status = 'assigned'
            """, [code]) else { return nil }
        let parts = row.split(separator: " ")
        return (Int(parts[0])!, String(parts[1]))
    }

    /// The `type` event of dossier `code` that `trigger` (e.g. moving the clock) leads to, listened
    /// for on `tthc.events` from before the trigger so it cannot be missed.
    func event<Payload: Codable & Sendable>(_ type: MessageType, _ payload: Payload.Type, of code: String, _ what: String,
                                            after trigger: () throws -> Void) throws -> Payload {
        let listener = try TestEnvironment.amqp()
        defer { listener.close() }
        let events = try listener.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try listener.bindQueue(events, exchange: Exchange.events, routingKey: type.routingKey)
        try trigger()
        var found: Payload?
        try TestEnvironment.eventually(what) {
            while let delivery = try listener.get(queue: events) {
                let envelope = try WireJSON.decode(Envelope<Payload>.self, from: delivery.body)
                if envelope.subject == code { found = envelope.data }
            }
            return found != nil
        }
        return try XCTUnwrap(found)
    }

    func routeStatus(_ code: String) throws -> String? {
        try TestEnvironment.value("SELECT status || coalesce(':' || decision, '') FROM routing.routes WHERE dossier_code = $1", [code])
    }

    /// Submits one dossier of the system's member and returns its code once routing has it.
    func submit(_ system: SystemHarness, member: MemberRecord, destination: String) throws -> String {
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member, destination: destination))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("route started") { try self.currentStep(code) != nil }
        return code
    }

    func startSystem(_ system: SystemHarness, environment: [String: String] = [:]) throws -> MemberRecord {
        try system.startAll(environment: environment, autoDecide: false)
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembers([member])
        try TestEnvironment.eventually("member replicated") {
            try TestEnvironment.count("SELECT count(*) AS n FROM validation.members WHERE member_id = $1", [member.memberId]) == 1
        }
        return member
    }

    func testOfficialTransferAcrossTwoProvincesCrossesBothChainsRecordsTheDuesStatusAndMovesTheMember() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let (a, b) = (tag + "A", tag + "B")
        // Payment's own records: dues paid January–October 2026, then a gap.
        let payment = try TestEnvironment.database(role: "payment", schema: "payment")
        for month in (1...10).map({ String(format: "2026-%02d", $0) }) + ["2026-12"] {
            try payment.execute("INSERT INTO dues_months (member_id, month, amount_vnd, paid_at, source) VALUES ($1, $2, 50000, now(), 'test')",
                                [member.memberId, month])
        }
        payment.close()

        let code = try submit(system, member: member, destination: "\(b).CB0011")
        let expected = ["\(system.organisation)", "\(a).CS001", "\(a).DU01", "\(a).BTC", "\(b).BTC", "\(b).DU02", "\(b).CS003", "\(b).CB0011"]
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT string_agg(organisation_code, ' ' ORDER BY step_number) FROM routing.route_steps WHERE dossier_code = $1", [code]),
            expected.joined(separator: " "))

        // An officer of another organisation is refused, and the attempt is audited.
        let outsider = try await token("\(b).CB0012", person: "CB-outsider")
        XCTAssertEqual(try decide(code, step: 1, "approve", token: outsider).status, 403)
        XCTAssertEqual(HTTPProbe.get("\(routing)/v1/dossiers/\(code)", headers: ["Authorization": "Bearer \(outsider)"])?.status, 403)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.audit_log WHERE dossier_code = $1 AND person_id = 'CB-outsider' AND NOT allowed", [code]), 2)
        XCTAssertEqual(HTTPProbe.get("\(routing)/v1/inbox")?.status, 401)

        // The sending cell's secretary delegates to a colleague, who decides step 1 under the delegation.
        let secretary = try await token(system.organisation, person: "CB-secretary")
        let until = Timestamp.format(Date().addingTimeInterval(3600))
        let delegation = try XCTUnwrap(HTTPProbe.post("\(routing)/v1/delegations",
                                                      headers: ["Authorization": "Bearer \(secretary)", "Content-Type": "application/json"],
                                                      body: #"{"delegatePersonId": "CB-deputy", "validUntil": "\#(until)", "reason": "Đi công tác"}"#))
        XCTAssertEqual(delegation.status, 201, delegation.body)
        let deputy = try await token("\(a).CS999", person: "CB-deputy")
        let inbox = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/inbox", headers: ["Authorization": "Bearer \(deputy)"]))
        XCTAssertTrue(inbox.body.contains(code), "the delegate sees the delegating organisation's step")
        XCTAssertEqual(try decide(code, step: 1, "approve", token: deputy).status, 200)

        // Each organisation in turn; the letter waits for payment's dues status, which arrives by message.
        for (index, organisation) in expected.enumerated().dropFirst() {
            try TestEnvironment.eventually("step \(index + 1) at \(organisation)") { try self.currentStep(code)?.number == index + 1 }
            XCTAssertEqual(try currentStep(code)?.organisation, organisation)
            try TestEnvironment.eventually("dues status reported") {
                try TestEnvironment.value("SELECT dues_reported_at::text FROM routing.routes WHERE dossier_code = $1", [code]) != nil
            }
            try await expectDecision(200, organisation, code, step: index + 1, "approve", content: ["nhanXet": "Đồng ý chuyển"])
        }
        // Deciding a step twice is refused: nothing is doubled.
        try await expectDecision(409, "\(b).CB0011", code, step: 8, "approve")

        try TestEnvironment.eventually("decided and archived") {
            try self.routeStatus(code) == "decided:approved"
                && TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code = $1", [code]) == 1
        }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT content->>'duesStatus' FROM routing.route_steps WHERE dossier_code = $1 AND step_code = 'GGT'", [code]),
            "Đã đóng đảng phí đến hết tháng 10/2026")
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT decided_by->>'delegationId' IS NOT NULL FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1", [code]), "t")
        try TestEnvironment.eventually("the registry replica follows the member") {
            try TestEnvironment.value("SELECT organisation_code FROM validation.members WHERE member_id = $1", [member.memberId]) == "\(b).CB0011"
        }
        try system.stopAll()
    }

    func testARefusalInTheMiddleEndsTheRouteAndAReturnResumesAfterTheSupplement() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())

        // Returned at step 2: back to the submitter, then the amendment is checked and the route resumes there.
        let returned = try submit(system, member: member, destination: "\(tag)A.CB0004")
        // An official transfer inside one grassroots organisation is short: cell, committee, cell.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT string_agg(organisation_code, ' ' ORDER BY step_number) FROM routing.route_steps WHERE dossier_code = $1", [returned]),
            "\(system.organisation) \(tag)A.CS001 \(tag)A.CB0004")
        try await expectDecision(200, system.organisation, returned, step: 1, "approve")
        try TestEnvironment.eventually("step 2") { try self.currentStep(returned)?.number == 2 }
        try await expectDecision(422, "\(tag)A.CS001", returned, step: 2, "return")  // a return needs its reason
        let committee = try await token("\(tag)A.CS001")
        let malformed = try XCTUnwrap(HTTPProbe.post("\(routing)/v1/dossiers/\(returned)/steps/2/decision",
            headers: ["Authorization": "Bearer \(committee)"], body: #"{"decision": "maybe"}"#))
        XCTAssertEqual(malformed.status, 400)
        XCTAssertTrue(malformed.body.contains("invalid-body") && malformed.body.contains("approve|return|refuse"), malformed.body)
        try await expectDecision(200, "\(tag)A.CS001", returned, step: 2, "return", reason: "Bản tự kiểm điểm chưa có chữ ký của chi ủy")
        try TestEnvironment.eventually("back with the submitter") {
            try TestEnvironment.value("SELECT status FROM intake.dossiers WHERE code = $1", [returned]) == "supplement-requested"
                && TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [returned]) == "supplement-requested"
        }
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.send(DossierSupplementV1(dossierCode: returned, clientSubmissionId: "bs-\(returned)",
                                                 form: ["lyDo": "Chuyển công tác (bổ sung bản tự kiểm điểm đã có chữ ký)"],
                                                 attachments: [], note: "Bổ sung theo yêu cầu của đảng ủy cơ sở"),
                             type: .dossierSupplement)
        XCTAssertEqual(try channel.replies(1)[0].properties.type, MessageType.dossierSupplementReceived.cloudEventType)
        try TestEnvironment.eventually("resumed at step 2") { try self.currentStep(returned)?.number == 2 }
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.route_history WHERE dossier_code = $1 AND event = 'resumed'", [returned]), 1)

        // Refused at step 2 of another dossier: the route ends with the reason, nothing after it is assigned.
        let refused = try submit(system, member: member, destination: "\(tag)A.CB0004")
        try await expectDecision(200, system.organisation, refused, step: 1, "approve")
        try TestEnvironment.eventually("step 2") { try self.currentStep(refused)?.number == 2 }
        try await expectDecision(200, "\(tag)A.CS001", refused, step: 2, "refuse", reason: "Đảng viên đang bị xem xét kỷ luật")
        try TestEnvironment.eventually("refused") { try self.routeStatus(refused) == "decided:refused" }
        XCTAssertEqual(try TestEnvironment.value("SELECT reason FROM routing.routes WHERE dossier_code = $1", [refused]),
                       "Đảng viên đang bị xem xét kỷ luật")
        XCTAssertEqual(try TestEnvironment.value("SELECT status FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 3", [refused]),
                       "waiting")
        try TestEnvironment.eventually("refusal on the public timeline") {
            try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                                      [refused, MessageType.dossierDecided.routingKey]) == 1
        }
        try system.stopAll()
    }

    func testAnOverdueStepIsEscalatedToTheSuperiorAndCountedLate() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-04 10:00")  // a Friday
        let member = try startSystem(system, environment: clock.environment)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let code = try submit(system, member: member, destination: "\(tag)A.CB0004")
        // Step 1 (the cell, 2 working days): due at the end of Tuesday, reminded at the end of Monday.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1",
            [code]), "2026-12-08 17:00")
        try clock.set("2026-12-07 17:30")
        try TestEnvironment.eventually("reminded") {
            try TestEnvironment.value("SELECT reminded_at::text FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1", [code]) != nil
        }
        XCTAssertNil(try TestEnvironment.value("SELECT escalated_at::text FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1", [code]))
        // The organisation is told: the step assigned, then the reminder.
        let organisationNotices = """
            SELECT string_agg(recipient_id, ' ' ORDER BY recipient_id) FROM notification.notices
            WHERE dossier_code = $1 AND source_type = $2 AND recipient_kind = 'organisation'
            """
        try TestEnvironment.eventually("the cell's notices") {
            try TestEnvironment.value(organisationNotices, [code, MessageType.dossierStepAssigned.routingKey])?.hasPrefix(system.organisation) == true
                && TestEnvironment.value(organisationNotices, [code, MessageType.dossierStepReminder.routingKey]) == system.organisation
        }
        try clock.set("2026-12-08 17:30")
        try TestEnvironment.eventually("escalated to the grassroots organisation above the cell") {
            try TestEnvironment.value("SELECT escalated_to FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1", [code])
                == "\(tag)A.CS001"
        }
        try TestEnvironment.eventually("the overdue notice to the cell and to the committee above it") {
            try TestEnvironment.value(organisationNotices, [code, MessageType.dossierStepOverdue.routingKey])
                == "\(system.organisation) \(tag)A.CS001".split(separator: " ").sorted().joined(separator: " ")
        }
        try await expectDecision(200, system.organisation, code, step: 1, "approve")
        let cellToken = try await token(system.organisation)
        let figures = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(system.organisation)/figures",
                                                  headers: ["Authorization": "Bearer \(cellToken)"]))
        XCTAssertTrue(figures.body.contains(#""decidedLate":1"#), figures.body)
        // The grassroots committee above the cell evaluates it; a cell of the other province may not.
        let above = try await token("\(tag)A.CS001")
        XCTAssertEqual(HTTPProbe.get("\(routing)/v1/organisations/\(system.organisation)/figures",
                                     headers: ["Authorization": "Bearer \(above)"])?.status, 200)
        let outsider = try await token("\(tag)B.CB0011", person: "CB-\(tag)-outsider")
        XCTAssertEqual(HTTPProbe.get("\(routing)/v1/organisations/\(system.organisation)/figures",
                                     headers: ["Authorization": "Bearer \(outsider)"])?.status, 403)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.audit_log WHERE person_id = $1 AND action = 'read-figures' AND NOT allowed",
            ["CB-\(tag)-outsider"]), 1)
        try system.stopAll()
    }

    func testReceiptsChecksAndStepDeadlinesFollowTheOfficeHoursInTheOrganisationsRecord() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-04 10:00")  // a Friday
        let member = try startSystem(system, environment: clock.environment)
        // The member's cell works mornings only (its record, updated through the registry's event).
        var cell = try XCTUnwrap(TestEnvironment.organisationTree(around: system.organisation).first { $0.code == system.organisation })
        cell.officeHours = ["07:00-11:00"]
        cell.revision += 1
        let amqp = try TestEnvironment.amqp(user: "organisation-registry", confirms: true)
        try RegistryPublisher.publish([cell], as: .organisationUpdated, subject: \.code, on: amqp, user: "organisation-registry")
        amqp.close()
        try TestEnvironment.eventually("routing, intake and validation have the cell's hours") {
            try TestEnvironment.value("SELECT record->>'officeHours' FROM routing.organisations WHERE code = $1",
                                      [system.organisation]) == #"["07:00-11:00"]"#
                && TestEnvironment.value("SELECT office_hours::text FROM intake.organisation_hours WHERE code = $1",
                                         [system.organisation]) == #"["07:00-11:00"]"#
                && TestEnvironment.value("SELECT office_hours::text FROM validation.organisation_hours WHERE code = $1",
                                         [system.organisation]) == #"["07:00-11:00"]"#
        }
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let code = try submit(system, member: member, destination: "\(tag)A.CB0004")
        // Validation's 8 working hours from Friday 10:00: 1 h on Friday, 4 h on Monday, 3 h on Tuesday
        // (standard hours would give Monday 10:00).
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT to_char(check_deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM validation.dossiers WHERE code = $1",
            [code]), "2026-12-08 10:00")
        // Step 1 (the cell, 2 working days from Friday 10:00): the end of Tuesday's only session.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1",
            [code]), "2026-12-08 11:00")
        // Step 2 (the grassroots committee keeps the standard hours): counted in its own day.
        try await expectDecision(200, system.organisation, code, step: 1, "approve")
        try TestEnvironment.eventually("step 2 assigned") { try self.currentStep(code)?.number == 2 }
        let step2 = try XCTUnwrap(TestEnvironment.value(
            "SELECT working_days || ' ' || to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 2",
            [code]))
        XCTAssertTrue(step2.hasSuffix(" 17:00"), step2)
        // Received at noon, after the cell's office closed: officially received on Monday at 07:00
        // (standard hours would give Friday 13:00).
        try clock.set("2026-12-04 12:00")
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member, destination: "\(tag)A.CB0004"))
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        XCTAssertEqual(VietnamTime.display(receipt.officialReceiptAt), "07:00 07/12/2026")
        try system.stopAll()
    }

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

    func testATemporaryTransferIsRemindedBeforeItsEndExtendedWithinTheLimitAndClosed() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")
        try system.startAll(environment: clock.environment)  // organisations' software approves
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembers([member])
        try TestEnvironment.eventually("member replicated") {
            try TestEnvironment.count("SELECT count(*) AS n FROM validation.members WHERE member_id = $1", [member.memberId]) == 1
        }
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        var submit = SampleDossier.submit(organisation: system.organisation, member: member, decisionDate: Date())
        submit.procedureCode = "CSHD.TAMTHOI"
        submit.form = ["lyDo": "Làm việc có thời hạn tại TP Hồ Chí Minh", "noiDen": "Chi bộ số 11", "chiBoNoiDen": "\(tag)B.CB0011",
                       "mucDich": "lam-viec", "thoiHanThang": "3"]
        var confirmation = submit.attachments[2]
        confirmation.componentCode = "XN"
        submit.attachments = [submit.attachments[0], confirmation]
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("route completed") { try self.routeStatus(code) == "decided:approved" }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT ends_on::text FROM routing.temporary_transfers WHERE dossier_code = $1", [code]), "2027-02-28")

        // Extension: beyond the 12-month limit refused; 3 more months accepted, by the temporary cell only.
        func extend(_ months: Int, as organisation: String) async throws -> Int {
            let token = try await token(organisation)
            return HTTPProbe.post("\(routing)/v1/temporary-transfers/\(code)/extension",
                                  headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                  body: #"{"months": \#(months), "reason": "Gia hạn hợp đồng làm việc"}"#)?.status ?? 0
        }
        let byOfficial = try await extend(3, as: system.organisation)
        XCTAssertEqual(byOfficial, 403)
        let tooLong = try await extend(12, as: "\(tag)B.CB0011")
        XCTAssertEqual(tooLong, 422)
        let extended = try await extend(3, as: "\(tag)B.CB0011")
        XCTAssertEqual(extended, 200)
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT ends_on::text FROM routing.temporary_transfers WHERE dossier_code = $1", [code]), "2027-05-31")

        // Both organisations are reminded before the end, then the transfer closes the next day.
        let remindAt = try XCTUnwrap(TestEnvironment.value(
            "SELECT to_char(due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.timers WHERE kind = 'temporary-ending' AND key = $1",
            [code]))
        XCTAssertEqual(remindAt, "2027-05-17 08:00", "10 working days before Monday 31 May")
        let reminder = try event(.temporaryTransferEnding, TemporaryTransferV1.self, of: code, "reminder sent to both organisations") {
            try clock.set("2027-05-17 08:05")
        }
        XCTAssertEqual(reminder.officialOrganisationCode, system.organisation)
        XCTAssertEqual(reminder.temporaryOrganisationCode, "\(tag)B.CB0011")
        XCTAssertEqual(try TestEnvironment.value("SELECT status FROM routing.temporary_transfers WHERE dossier_code = $1", [code]), "active")
        try clock.set("2027-06-01 00:05")
        try TestEnvironment.eventually("closed at the end") {
            try TestEnvironment.value("SELECT status FROM routing.temporary_transfers WHERE dossier_code = $1", [code]) == "closed"
        }
        try TestEnvironment.eventually("both organisations told of the end and of the close") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices WHERE dossier_code = $1 AND recipient_kind = 'organisation'
                    AND source_type IN ('temporary-transfer.ending.v1', 'temporary-transfer.closed.v1')
                    AND recipient_id IN ($2, $3)
                """, [code, system.organisation, "\(tag)B.CB0011"]) == 4
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
        // Each of the 3 steps of each route decided exactly once, and one result each.
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM routing.route_history WHERE dossier_code LIKE $1 AND event = 'decided-approve'
            """, [system.organisation + "-%"]), 600)
        try TestEnvironment.eventually("archived once each") { try system.archived() == 200 }
        try system.stopAll()
    }
}
