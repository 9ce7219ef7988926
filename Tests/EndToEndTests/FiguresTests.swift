import Contracts
import Development
import Foundation
import ServiceKit
import TestSupport
import XCTest

/// Evaluation figures (Đ.37.2) on the controllable clock, against a hand-computed fixture.
final class FiguresTests: XCTestCase, RoutingScenario {
    /// A step assigned Tuesday 09:00 and decided Wednesday 10:30 took 2.5 + 4 + 3 = 9.5 working
    /// hours (sessions 07:30–11:30, 13:00–17:00; lunch and the night not counted).
    func testAStepsTimeIsCountedInTheOrganisationsWorkingHours() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")  // a Tuesday
        let member = try startSystem(system, environment: clock.environment)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let code = try submit(system, member: member, destination: "\(tag)A.CB0004")
        let step = try XCTUnwrap(try currentStep(code))
        XCTAssertEqual(try TestEnvironment.value("""
            SELECT to_char(assigned_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI') FROM routing.route_steps
            WHERE dossier_code = $1 AND step_number = $2
            """, [code, step.number]), "2026-12-01 09:00")
        try clock.set("2026-12-02 10:30")
        try await expectDecision(200, step.organisation, code, step: step.number, "approve")
        let token = try await token(step.organisation)
        let answer = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(step.organisation)/figures",
                                                 headers: ["Authorization": "Bearer \(token)"]))
        XCTAssertEqual(answer.status, 200, answer.body)
        let figures = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(figures["averageWorkingHours"] as? Double), 9.5, accuracy: 0.02, answer.body)
        XCTAssertEqual(try XCTUnwrap(figures["p90WorkingHours"] as? Double), 9.5, accuracy: 0.02, answer.body)
        XCTAssertEqual(figures["decidedOnTime"] as? Int, 1, answer.body)
        // By period: decided on 2 December, so not in a period from 3 December.
        func get(_ query: String) throws -> (status: Int, body: String) {
            try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(step.organisation)/figures?\(query)",
                                        headers: ["Authorization": "Bearer \(token)"]))
        }
        let later = try get("from=2026-12-03&to=2026-12-31")
        XCTAssertTrue(later.body.contains(#""decidedOnTime":0"#) && !later.body.contains("averageWorkingHours"), later.body)
        XCTAssertTrue(try get("from=2026-12-02&to=2026-12-02").body.contains(#""decidedOnTime":1"#))
        // For spreadsheets.
        let csv = try get("format=csv&from=2026-12-01")
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(csv.body.split(separator: "\r\n").first?.hasPrefix(
            "organisationCode,decidedOnTime,decidedLate,pending,pendingOverdue,averageWorkingHours,p90WorkingHours,") == true, csv.body)
        XCTAssertTrue(csv.body.split(separator: "\r\n").last?.hasPrefix("\(step.organisation),1,0,0,0,9.5,9.5,") == true, csv.body)
        XCTAssertEqual(try get("format=xml").status, 400)
        XCTAssertEqual(try get("from=2026-13-40").status, 400)
        try system.stopAll()
    }

    /// The receiving cell's whole dossiers, on the controllable clock: A received Tuesday 09:00 and
    /// decided Wednesday 10:30 — 2.5 + 4 + 3 = 9.5 working hours, on time (10 working days) — and
    /// rated 4 by its member; B returned once at its first step (one interaction) and still open.
    /// Received 2, decided on time 1, in progress 1, returns 1, 0.5 interactions per dossier,
    /// one rating of 4.
    func testWholeDossiersInteractionsAndSatisfactionMatchAHandComputedFixture() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")  // a Tuesday
        let member = try startSystem(system, environment: clock.environment)
        let other = TestEnvironment.members(2, organisation: system.organisation)[1]
        try TestEnvironment.registerMembersReplicated([other])
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let cell = system.organisation
        let a = try submit(system, member: member, destination: "\(tag)A.CB0004")
        let b = try submit(system, member: other, destination: "\(tag)A.CB0004")
        try await expectDecision(200, cell, b, step: 1, "return", reason: "Thiếu quyết định điều động")
        // A's steps, the last one decided on Wednesday at 10:30.
        let last = try XCTUnwrap(Int(try XCTUnwrap(try TestEnvironment.value(
            "SELECT max(step_number)::text FROM routing.route_steps WHERE dossier_code = $1 AND NOT only_after_late_presentation", [a]))))
        var decided: Set<Int> = []
        while true {
            var next: (number: Int, organisation: String)?
            try TestEnvironment.eventually("A's next step assigned, or A decided") {
                if try self.routeStatus(a) == "decided:approved" { return true }
                next = try self.currentStep(a).flatMap { decided.contains($0.number) ? nil : $0 }
                return next != nil
            }
            guard let step = next else { break }
            if step.number == last { try clock.set("2026-12-02 10:30") }
            try await expectDecision(200, step.organisation, a, step: step.number, "approve")
            decided.insert(step.number)
        }
        // The member rates A through its portal; B, still open, cannot be rated yet.
        let channel = try IntakeTests.ReplyChannel()
        try TestEnvironment.eventually("intake has A decided") {
            ["decided", "result-issued"].contains(try ValidationTests.intakeStatus(a) ?? "")
        }
        _ = try channel.send(DossierRateV1(dossierCode: a, clientSubmissionId: "rate-\(a)", rating: 4), type: .dossierRate)
        XCTAssertEqual(try channel.replies(1)[0].properties.type, MessageType.dossierRated.cloudEventType)
        _ = try channel.send(DossierRateV1(dossierCode: b, clientSubmissionId: "rate-\(b)", rating: 5), type: .dossierRate)
        let refused = try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: try channel.replies(1)[0].body).data
        XCTAssertEqual(refused.problems.map(\.code), ["not-finished-yet"])
        _ = try channel.send(DossierRateV1(dossierCode: a, clientSubmissionId: "rate-again-\(a)", rating: 1), type: .dossierRate)
        XCTAssertEqual(try WireJSON.decode(Envelope<DossierRejectedV1>.self, from: try channel.replies(1)[0].body).data.problems.map(\.code),
                       ["already-rated"])
        try TestEnvironment.eventually("routing has the rating") {
            try TestEnvironment.count("SELECT count(*) AS n FROM routing.dossier_ratings WHERE dossier_code = $1", [a]) == 1
        }
        // B's return is counted from routing's own event, back through its queue.
        try TestEnvironment.eventually("routing counted B's return") {
            try TestEnvironment.count("SELECT count(*) AS n FROM routing.dossier_interactions WHERE dossier_code = $1 AND kind = 'return'", [b]) == 1
        }

        let token = try await token(cell)
        let answer = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(cell)/figures?from=2026-12-01&to=2026-12-31",
                                                 headers: ["Authorization": "Bearer \(token)"]))
        XCTAssertEqual(answer.status, 200, answer.body)
        let figures = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        XCTAssertEqual(figures["dossiersReceived"] as? Int, 2, answer.body)
        XCTAssertEqual(figures["dossiersDecidedOnTime"] as? Int, 1, answer.body)
        XCTAssertEqual(figures["dossiersDecidedLate"] as? Int, 0, answer.body)
        XCTAssertEqual(figures["dossiersInProgress"] as? Int, 1, answer.body)
        XCTAssertEqual(figures["dossiersOverdue"] as? Int, 0, answer.body)
        XCTAssertEqual(try XCTUnwrap(figures["dossierAverageWorkingHours"] as? Double), 9.5, accuracy: 0.02, answer.body)
        XCTAssertEqual(try XCTUnwrap(figures["dossierP90WorkingHours"] as? Double), 9.5, accuracy: 0.02, answer.body)
        XCTAssertEqual(figures["supplementsAtCheck"] as? Int, 0, answer.body)
        XCTAssertEqual(figures["returnsDuringHandling"] as? Int, 1, answer.body)
        XCTAssertEqual(figures["interactionsPerDossier"] as? Double, 0.5, answer.body)
        XCTAssertEqual(figures["rated"] as? Int, 1, answer.body)
        XCTAssertEqual(figures["averageRating"] as? Double, 4, answer.body)
        XCTAssertEqual((figures["feedback"] as? [String: Any])?["received"] as? Int, 0, "PAKN's figures in the same answer")
        // The same as a spreadsheet line, PAKN's columns prefixed.
        let csv = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(cell)/figures?from=2026-12-01&to=2026-12-31&format=csv",
                                              headers: ["Authorization": "Bearer \(token)"]))
        let lines = csv.body.split(separator: "\r\n").map(String.init)
        XCTAssertEqual(lines.count, 2, csv.body)
        let row = Dictionary(uniqueKeysWithValues: zip(lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init),
                                                       lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        XCTAssertEqual(row["dossiersReceived"], "2", csv.body)
        XCTAssertEqual(row["interactionsPerDossier"], "0.5", csv.body)
        XCTAssertEqual(row["feedback.received"], "0", csv.body)
        // For dashboards: B is in progress at the cell.
        let metrics = HTTPProbe.get("\(routing)/metrics")?.body ?? ""
        XCTAssertTrue(metrics.contains(#"tthc_dossiers_in_progress_dossiers{service="routing",organisation="\#(cell)"} 1"#), metrics)
        try system.stopAll()
    }
}
