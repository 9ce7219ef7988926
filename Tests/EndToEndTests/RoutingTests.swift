import Calendar
import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Issue 5: routes between organisations, officers' decisions over HTTP and AMQP, deadlines and
/// escalation, with the six services on the real servers and the test's own organisation tree
/// (`TestEnvironment.organisationTree(around:)`). More procedures in `ProcedureRoutingTests`.
final class RoutingTests: XCTestCase, RoutingScenario {
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
        // The letter (GGT, GGT-T), the member presenting it to the receiving board (step 5), the
        // issuing board's decision on a late presentation (step 6, skipped: presented in time), the receiving side.
        let expected = ["\(system.organisation)", "\(a).CS001", "\(a).DU01", "\(a).BTC", "\(b).BTC", "\(a).BTC", "\(b).BTC",
                        "\(b).DU02", "\(b).CS003", "\(b).CB0011"]
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
        for (index, organisation) in expected.enumerated().dropFirst() where index != 5 {
            try TestEnvironment.eventually("step \(index + 1) at \(organisation)") { try self.currentStep(code)?.number == index + 1 }
            XCTAssertEqual(try currentStep(code)?.organisation, organisation)
            try TestEnvironment.eventually("dues status reported") {
                try TestEnvironment.value("SELECT dues_reported_at::text FROM routing.routes WHERE dossier_code = $1", [code]) != nil
            }
            try await expectDecision(200, organisation, code, step: index + 1, "approve", content: ["nhanXet": "Đồng ý chuyển"])
        }
        // Deciding a step twice is refused: nothing is doubled.
        try await expectDecision(409, "\(b).CB0011", code, step: 10, "approve")
        XCTAssertEqual(try TestEnvironment.value("SELECT status FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 6", [code]),
                       "skipped")

        try TestEnvironment.eventually("decided and archived") {
            try self.routeStatus(code) == "decided:approved"
                && TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code = $1", [code]) == 1
        }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT content->>'duesStatus' FROM routing.route_steps WHERE dossier_code = $1 AND step_code = 'GGT'", [code]),
            "Đã đóng đảng phí đến hết tháng 10/2026")
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT decided_by->>'delegationId' IS NOT NULL FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1", [code]), "t")
        try TestEnvironment.awaitMember(member.memberId, in: "\(b).CB0011")
        // A later dossier sent to the old cell is answered with the member's cell now, never routed from there.
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member, destination: "\(a).CB0004"))
        let late = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("answered with the new cell") {
            try TestEnvironment.value(
                "SELECT (details->>'reasonCode') || ' ' || (details->>'reason') FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                [late, MessageType.dossierRefused.routingKey])?.hasPrefix("not-member-organisation") == true
        }
        XCTAssertTrue(try TestEnvironment.value("SELECT details->>'reason' FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                                                [late, MessageType.dossierRefused.routingKey])?.contains("\(b).CB0011") == true)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code = $1", [late]), 0)
        try system.stopAll()
    }

    func testARefusalInTheMiddleEndsTheRouteAndAReturnResumesAfterTheSupplement() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())

        // Returned at step 2: back to the submitter, then the amendment is checked and the route resumes there.
        let returned = try submit(system, member: member, destination: "\(tag)A.CB0004")
        // An official transfer inside one grassroots organisation is short: cell, committee (its
        // letter), the member presenting it to the receiving cell, (a late presentation's decision), cell.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT string_agg(organisation_code, ' ' ORDER BY step_number) FROM routing.route_steps WHERE dossier_code = $1", [returned]),
            "\(system.organisation) \(tag)A.CS001 \(tag)A.CB0004 \(tag)A.CS001 \(tag)A.CB0004")
        try await expectDecision(200, system.organisation, returned, step: 1, "approve")
        try TestEnvironment.eventually("step 2") { try self.currentStep(returned)?.number == 2 }
        try await expectDecision(422, "\(tag)A.CS001", returned, step: 2, "return")  // a return needs its reason
        let committee = try await token("\(tag)A.CS001")
        let malformed = try XCTUnwrap(HTTPProbe.post("\(routing)/v1/dossiers/\(returned)/steps/2/decision",
            headers: ["Authorization": "Bearer \(committee)"], body: #"{"decision": "maybe"}"#))
        XCTAssertEqual(malformed.status, 400)
        XCTAssertTrue(malformed.body.contains("invalid-body") && malformed.body.contains("approve|return|refuse"), malformed.body)
        try await expectDecision(200, "\(tag)A.CS001", returned, step: 2, "return", reason: "Bản tự kiểm điểm chưa có chữ ký của chi ủy")
        try ValidationTests.awaitSupplementRequested(returned, "back with the submitter")
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
        // Step 1 (the cell, 1 working day): due at the end of Monday, reminded three quarters of the way there.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1",
            [code]), "2026-12-07 17:00")
        try clock.set("2026-12-07 09:00")
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
        try clock.set("2026-12-07 17:30")
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
        // Step 1 (the cell, 1 working day from Friday 10:00): the end of Monday's only session.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1",
            [code]), "2026-12-07 11:00")
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
}
