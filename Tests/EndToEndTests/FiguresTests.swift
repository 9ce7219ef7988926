import Contracts
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
        XCTAssertEqual(csv.body.split(separator: "\r\n").first.map(String.init),
                       "organisationCode,decidedOnTime,decidedLate,pending,pendingOverdue,averageWorkingHours,p90WorkingHours")
        XCTAssertEqual(csv.body.split(separator: "\r\n").last.map(String.init), "\(step.organisation),1,0,0,0,9.5,9.5")
        XCTAssertEqual(try get("format=xml").status, 400)
        XCTAssertEqual(try get("from=2026-13-40").status, 400)
        try system.stopAll()
    }
}
