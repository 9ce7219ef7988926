import Calendar
import Contracts
import Foundation
import Signatures
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Issue 4: the content check, supplement requests, amendments and the overdue timer, with the
/// real services on the real servers.
final class ValidationTests: XCTestCase {
    func status(_ code: String) throws -> String? {
        try TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code])
    }

    /// A registered member's dossier whose submitter name the registry contradicts: validation asks
    /// for a supplement. Returns the member and the dossier code once it waits for it.
    static func dossierAwaitingSupplement(_ system: SystemHarness, on channel: IntakeTests.ReplyChannel) throws
        -> (member: MemberRecord, code: String) {
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        var submit = SampleDossier.submit(organisation: system.organisation, member: member)
        submit.submitter.fullName = "Tên Không Khớp"
        _ = try channel.submit(submit)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try awaitSupplementRequested(code)
        return (member, code)
    }

    /// Waits until both validation and intake hold `code` as awaiting its supplement: intake
    /// learns it from validation's event, and refuses an amendment until it has.
    static func awaitSupplementRequested(_ code: String, _ what: String = "supplement requested") throws {
        try TestEnvironment.eventually(what) {
            try TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code]) == "supplement-requested"
                && intakeStatus(code) == "supplement-requested"
        }
    }

    /// The status intake shows for `code` (its last status event).
    static func intakeStatus(_ code: String) throws -> String? {
        try TestEnvironment.value("SELECT status FROM intake.dossier_events WHERE dossier_code = $1 AND status IS NOT NULL ORDER BY occurred_at DESC, message_id DESC LIMIT 1", [code])
    }

    func officerToken(organisation: String, role: String = "officer") async throws -> String {
        let secret = ProcessInfo.processInfo.environment["TTHC_OFFICER_TOKEN_SECRET"] ?? ""
        return try await OfficerTokens(secret: secret).sign(OfficerClaims(
            person: "CB-\(role)-1", organisation: organisation, role: role, expires: Date().addingTimeInterval(600)))
    }

    func testThreeProblemsYieldOneSupplementRequestAndTheAmendmentKeepsTheCodeAndAnEncryptedHistory() async throws {
        let system = try SystemHarness()
        for service in ["intake", "validation", "notification"] { try system.start(service, waitUntilReady: false) }
        for service in ["intake", "validation", "notification"] { try system.processes[service]!.waitUntilReady() }
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])

        // Three problems intake cannot see: a date of birth the registry contradicts, a signed
        // request whose bytes were changed after signing, a decision older than 60 working days.
        var submit = SampleDossier.submit(organisation: system.organisation, member: member)
        submit.form["ngaySinh"] = "1900-01-01"
        submit.form["ngayQuyetDinh"] = "2025-01-02"
        let tampered = Array("%PDF-1.4\nđơn đã bị sửa sau khi ký\n%%EOF\n".utf8)
        submit.attachments[0].contentBase64 = Data(tampered).base64EncodedString()
        submit.attachments[0].sizeBytes = tampered.count
        submit.attachments[0].sha256 = sha256Hex(tampered)
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        let code = receipt.dossierCode

        try TestEnvironment.eventually("supplement requested") { try self.status(code) == "supplement-requested" }
        let problems = try WireJSON.decode([Problem].self, from: Array((try TestEnvironment.value(
            "SELECT problems::text FROM validation.dossiers WHERE code = $1", [code]) ?? "[]").utf8))
        XCTAssertEqual(problems.map(\.code).sorted(), ["late-explanation-required", "registry-mismatch", "signature-invalid"])
        // Exactly one request reached the member, listing all three.
        try TestEnvironment.eventually("one notice") {
            try TestEnvironment.count("SELECT count(*) AS n FROM notification.notices WHERE dossier_code = $1 AND source_type = $2",
                                      [code, MessageType.dossierSupplementRequested.routingKey]) == 1
        }
        let notice = try XCTUnwrap(TestEnvironment.value(
            "SELECT text FROM notification.notices WHERE dossier_code = $1 AND source_type = $2",
            [code, MessageType.dossierSupplementRequested.routingKey]))
        XCTAssertTrue(notice.contains("(3 nội dung)") && notice.contains("3) "), notice)
        try TestEnvironment.eventually("intake shows the request") { try Self.intakeStatus(code) == "supplement-requested" }

        // The amendment: the date of birth left to the registry, the reason for lateness, a newly signed request.
        let fixed = SampleDossier.submit(organisation: system.organisation, member: member)
        let amendment = DossierSupplementV1(dossierCode: code, clientSubmissionId: "bs-\(code)",
                                            form: ["ngaySinh": "", "lyDoNopMuon": "Chờ bàn giao công việc ở đơn vị cũ"],
                                            attachments: [fixed.attachments[0]], note: "Bổ sung theo yêu cầu")
        _ = try channel.send(amendment, type: .dossierSupplement)
        let answer = try channel.replies(1)[0]
        XCTAssertEqual(answer.properties.type, MessageType.dossierSupplementReceived.cloudEventType)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierSupplementReceivedV1>.self, from: answer.body).data.dossierCode, code)

        try TestEnvironment.eventually("accepted after the amendment") { try self.status(code) == "accepted" }
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM validation.timers WHERE kind = 'supplement-expiry' AND key = $1", [code]), 0,
                       "the supplement came: the dossier's close is cancelled")
        try TestEnvironment.eventually("intake shows it accepted") { try Self.intakeStatus(code) == "accepted" }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM validation.dossier_revisions WHERE dossier_code = $1", [code]), 2)
        // Stored encrypted: neither the replaced value nor the member's name appear in the rows.
        let sealed = try XCTUnwrap(TestEnvironment.value(
            "SELECT string_agg(encode(sealed, 'escape'), '') FROM validation.dossier_revisions WHERE dossier_code = $1", [code]))
        XCTAssertFalse(sealed.contains("1900-01-01") || sealed.contains("ngaySinh"))

        // The history through its role-checked path: the receiving organisation's officer reads
        // both revisions, the previous version included; another organisation's officer is refused.
        let url = "http://127.0.0.1:\(SystemHarness.ports["validation"]!)/v1/dossiers/\(code)/revisions"
        let ownToken = try await officerToken(organisation: system.organisation)
        let otherToken = try await officerToken(organisation: "OTHER.CB01")
        let allowed = try XCTUnwrap(HTTPProbe.get(url, headers: ["Authorization": "Bearer \(ownToken)"]))
        XCTAssertEqual(allowed.status, 200, allowed.body)
        let history = try JSONSerialization.jsonObject(with: Data(allowed.body.utf8)) as! [String: Any]
        let revisions = history["revisions"] as! [[String: Any]]
        XCTAssertEqual(revisions.map { $0["revision"] as? Int }, [1, 2])
        let first = (revisions[0]["content"] as! [String: Any])["form"] as! [String: String]
        let second = (revisions[1]["content"] as! [String: Any])["form"] as! [String: String]
        XCTAssertEqual(first["ngaySinh"], "1900-01-01")
        XCTAssertEqual(second["lyDoNopMuon"], "Chờ bàn giao công việc ở đơn vị cũ")
        XCTAssertEqual(revisions.map { ($0["content"] as! [String: Any])["dossierCode"] as? String }, [code, code])
        // An auditor (of any organisation) reads it too; an unknown dossier is a structured 403, never a 500.
        let auditorToken = try await officerToken(organisation: "TW.UBKT", role: "auditor")
        let audited = try XCTUnwrap(HTTPProbe.get(url, headers: ["Authorization": "Bearer \(auditorToken)"]))
        XCTAssertEqual(audited.status, 200, audited.body)
        let unknown = try XCTUnwrap(HTTPProbe.get(url.replacingOccurrences(of: code, with: "HN.XX-000000-000000"),
                                                  headers: ["Authorization": "Bearer \(auditorToken)"]))
        XCTAssertEqual(unknown.status, 403, unknown.body)
        XCTAssertTrue(unknown.body.contains("\"code\""), unknown.body)
        let refused = try XCTUnwrap(HTTPProbe.get(url, headers: ["Authorization": "Bearer \(otherToken)"]))
        XCTAssertEqual(refused.status, 403, refused.body)
        XCTAssertEqual(HTTPProbe.get(url)?.status, 401)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM validation.audit_log WHERE dossier_code = $1 AND action = 'read-revisions'", [code]), 3)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM validation.audit_log WHERE dossier_code = $1 AND NOT allowed AND organisation_code = 'OTHER.CB01'", [code]), 1)
        try system.stopAll()
    }

    func testADossierWhoseSupplementNeverComesIsClosedAfterTheProceduresWaitingTime() throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-11-30 09:00")  // a Monday
        for service in ["intake", "validation"] { try system.start(service, environment: clock.environment) }
        defer { _ = try? system.stopAll() }
        let (_, code) = try Self.dossierAwaitingSupplement(system, on: try IntakeTests.ReplyChannel())
        // 30 working days (the catalog's supplementWaitWorkingDays) from Monday 30/11/2026, 1/1/2027
        // a holiday: the end of Tuesday 12/01/2027.
        let due = try XCTUnwrap(TestEnvironment.value(
            "SELECT to_char(due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM validation.timers WHERE kind = 'supplement-expiry' AND key = $1", [code]))
        XCTAssertEqual(due, "2027-01-12 17:00")
        try clock.set("2027-01-12 17:01")
        try TestEnvironment.eventually("closed") { try self.status(code) == "refused" }
        try TestEnvironment.eventually("the submitter sees why") { try Self.intakeStatus(code) == "refused" }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT details->>'reasonCode' FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
            [code, MessageType.dossierRefused.routingKey]), "supplement-not-received")
    }

    func testTheCheckOverdueTimerFiresEightWorkingHoursLaterAcrossAWeekendAndSurvivesARestart() throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-11-27 16:00")  // a Friday
        let environment = clock.environment
        try system.start("intake", environment: environment)
        try system.start("validation", environment: environment)
        try system.start("notification", environment: environment)

        // The member is not in the registry replica yet, so the check cannot finish.
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("waiting for the registry") { try self.status(code) == "awaiting-registry" }
        // Default office hours: 16:00–17:00 Friday, then 07:30–11:30 and 13:00–16:00 Monday.
        let due = try XCTUnwrap(TestEnvironment.value(
            "SELECT to_char(due_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM validation.timers WHERE kind = 'check-overdue' AND key = $1", [code]))
        XCTAssertEqual(due, "2026-11-30 16:00")

        // The timer lives in the database: it fires after a restart of validation.
        _ = try system.processes["validation"]!.terminate()
        try clock.set("2026-11-30 15:59")
        try system.start("validation", environment: environment)
        XCTAssertNil(try TestEnvironment.value("SELECT check_overdue_at::text FROM validation.dossiers WHERE code = $1", [code]))
        try clock.set("2026-11-30 16:01")
        try TestEnvironment.eventually("overdue detected") {
            try TestEnvironment.value("SELECT check_overdue_at::text FROM validation.dossiers WHERE code = $1", [code]) != nil
        }
        try TestEnvironment.eventually("overdue on the public timeline") {
            try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                                      [code, MessageType.dossierCheckOverdue.routingKey]) == 1
        }
        // What the timeline promises: the receiving organisation is reminded (a notice of its own).
        try TestEnvironment.eventually("the receiving organisation reminded") {
            try TestEnvironment.value("""
                SELECT text FROM notification.notices WHERE dossier_code = $1 AND source_type = $2 AND recipient_kind = 'organisation'
                  AND recipient_id = $3
                """, [code, MessageType.dossierCheckOverdue.routingKey, system.organisation])?.contains("quá hạn kiểm tra") == true
        }
        // When the member reaches the registry, the check finishes.
        try TestEnvironment.registerMembers([member])
        try TestEnvironment.eventually("accepted once the member is known") { try self.status(code) == "accepted" }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM validation.timers WHERE key = $1 AND fired_at IS NOT NULL", [code]), 1)
        try system.stopAll()
    }
}
