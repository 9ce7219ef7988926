import Calendar
import Contracts
import Foundation
import Persistence
import TestSupport
import XCTest

/// Issue 15: the official transfer (chuyển sinh hoạt đảng chính thức) to the letter of the rules,
/// on the controllable clock: the introduction letter (giấy giới thiệu) with its dues line on every
/// transfer, and the member's 30 working days to present it, a late presentation going to the
/// letter-issuing committee for a decision instead of being silently accepted; on completion the
/// dues obligation and the data store follow the member.
final class OfficialTransferTests: XCTestCase, RoutingScenario {
    func testATransferInsideOneGrassrootsOrganisationHasItsLetterAndALatePresentationIsDecidedOn() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-04 10:00")  // a Friday
        let member = try startSystem(system, environment: clock.environment)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let (committee, destination) = ("\(tag)A.CS001", "\(tag)A.CB0004")
        // The member paid November and December in cash to the chi bộ (DANGPHI): the letter's line comes from that.
        try await payDuesInCash(member, firstMonth: "11/2026", months: 2)

        let code = try submit(system, member: member, destination: destination)
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT string_agg(step_code || '@' || organisation_code, ' ' ORDER BY step_number) FROM routing.route_steps WHERE dossier_code = $1", [code]),
            "XN-CB@\(system.organisation) GGT-CS@\(committee) XT-GGT@\(destination) XL-MUON@\(committee) TN-CB@\(destination)")
        try await expectDecision(200, system.organisation, code, step: 1, "approve")
        try TestEnvironment.eventually("the letter step, with payment's dues status") {
            try self.currentStep(code)?.number == 2
                && TestEnvironment.value("SELECT dues_reported_at::text FROM routing.routes WHERE dossier_code = $1", [code]) != nil
        }
        try await expectDecision(200, committee, code, step: 2, "approve")
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT content->>'duesStatus' FROM routing.route_steps WHERE dossier_code = $1 AND step_code = 'GGT-CS'", [code]),
            "Đã đóng đảng phí đến hết tháng 12/2026")
        // The letter also records the party card, record and register numbers from the member registry.
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT concat_ws(' ', content->>'soTheDangVien', content->>'soLyLich', content->>'soDangKy') FROM routing.route_steps WHERE dossier_code = $1 AND step_code = 'GGT-CS'", [code]),
            [member.partyCardNumber, member.recordNumber, member.registerNumber].compactMap { $0 }.joined(separator: " "))
        XCTAssertNotNil(member.recordNumber)

        // The member's window: 30 working days from the letter, with the receiving cell.
        try TestEnvironment.eventually("waiting for the member to present the letter") { try self.currentStep(code)?.number == 3 }
        let window = """
            SELECT working_days || ' ' || to_char(deadline AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD HH24:MI')
            FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 3
            """
        // 30 working days from Friday 4/12/2026, skipping 1/1/2027: Monday 18/1/2027.
        XCTAssertEqual(try TestEnvironment.value(window, [code]), "30 2027-01-18 17:00")

        // Presented on Tuesday 19/1: recorded late, and the issuing committee decides before the cell accepts.
        try clock.set("2027-01-19 09:00")
        try TestEnvironment.eventually("the overdue presentation recorded") {
            try TestEnvironment.count("SELECT count(*) AS n FROM routing.route_history WHERE dossier_code = $1 AND event = 'overdue' AND step_number = 3",
                                      [code]) == 1
        }
        XCTAssertNil(try TestEnvironment.value(
            "SELECT escalated_to FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 3", [code]),
            "the lateness is the member's: the receiving cell's superior is not told")
        try await expectDecision(200, destination, code, step: 3, "approve")
        try TestEnvironment.eventually("the late presentation goes to the issuing committee") { try self.currentStep(code)?.number == 4 }
        XCTAssertEqual(try currentStep(code)?.organisation, committee)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.route_history WHERE dossier_code = $1 AND event = 'presented-late'", [code]), 1)
        try await expectDecision(200, committee, code, step: 4, "approve", content: ["lyDoXuatTrinhMuon": "Ốm, có giấy xác nhận"])
        try TestEnvironment.eventually("the receiving cell") { try self.currentStep(code)?.number == 5 }
        try await expectDecision(200, destination, code, step: 5, "approve")
        try TestEnvironment.eventually("decided") { try self.routeStatus(code) == "decided:approved" }
        // The member's lateness is not the receiving cell's: its figures count no late step.
        let cellToken = try await token(destination)
        let figures = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/organisations/\(destination)/figures",
                                                  headers: ["Authorization": "Bearer \(cellToken)"]))
        XCTAssertTrue(figures.body.contains(#""decidedLate":0"#), figures.body)

        // On completion the dues obligation (payment) and the data store (archive) move with the
        // member to the receiving cell, from the registry's first record on.
        for schema in ["payment", "archive"] {
            try TestEnvironment.eventually("\(schema) follows the member to \(destination)") {
                try TestEnvironment.value("""
                    SELECT string_agg(coalesce(from_organisation_code, '-') || '>' || to_organisation_code || ':' || cause, ' ' ORDER BY id)
                    FROM \(schema).member_organisation_moves WHERE member_id = $1
                    """, [member.memberId]) == "->\(system.organisation):registry \(system.organisation)>\(destination):\(code)"
                    && TestEnvironment.value("SELECT organisation_code FROM \(schema).member_organisations WHERE member_id = $1",
                                             [member.memberId]) == destination
            }
        }
        // The member's data store (Đ.19) is now read by the receiving cell, no longer by the old one.
        try TestEnvironment.eventually("the transfer's result in the store") {
            try TestEnvironment.value("SELECT status FROM archive.results WHERE dossier_code = $1", [code]) == "issued"
        }
        let storeURL = "http://127.0.0.1:18086/v1/members/\(member.memberId)/results"
        let (newCellToken, oldCellToken) = (try await token(destination), try await token(system.organisation))
        let byNewCell = try XCTUnwrap(HTTPProbe.get(storeURL, headers: ["Authorization": "Bearer \(newCellToken)"]))
        XCTAssertTrue(byNewCell.status == 200 && byNewCell.body.contains("\(code)-KQ(1)"), byNewCell.body)
        let byOldCell = try XCTUnwrap(HTTPProbe.get(storeURL, headers: ["Authorization": "Bearer \(oldCellToken)"]))
        XCTAssertEqual(byOldCell.status, 403)
        try system.stopAll()
    }

    /// A dossier an organisation returned, whose supplement never comes, is closed by validation at
    /// the deadline the submitter was given, and its route with it: the committee's inbox no
    /// longer holds a dossier that is over.
    func testARouteReturnedForASupplementThatNeverComesIsClosedWithTheDossier() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-11-30 09:00")  // a Monday
        let member = try startSystem(system, environment: clock.environment)
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        let code = try submit(system, member: member, destination: "\(tag)A.CB0004")
        try await expectDecision(200, system.organisation, code, step: 1, "return", reason: "Thiếu quyết định điều động")
        try TestEnvironment.eventually("returned") { try self.routeStatus(code) == "returned" }
        // Routing gives the submitter the procedure's 30 working days; validation closes at that deadline.
        try clock.set("2027-01-12 17:01")
        try TestEnvironment.eventually("validation closed the dossier") {
            try TestEnvironment.value("SELECT status FROM validation.dossiers WHERE code = $1", [code]) == "refused"
        }
        try TestEnvironment.eventually("the route is closed with it") { try self.routeStatus(code) == "decided:refused" }
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM routing.route_history WHERE dossier_code = $1 AND event = 'closed'", [code]), 1)
        let cellToken = try await token(system.organisation)
        let inbox = try XCTUnwrap(HTTPProbe.get("\(routing)/v1/inbox", headers: ["Authorization": "Bearer \(cellToken)"]))
        XCTAssertFalse(inbox.body.contains(code), inbox.body)
        try system.stopAll()
    }
}
