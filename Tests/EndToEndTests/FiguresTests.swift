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
        try system.stopAll()
    }
}
