import Contracts
import Foundation
import Persistence
import TestSupport
import XCTest

/// The monthly close on the controllable clock: each level keeps its share and remits the rest
/// upward, the level above hears of it, and each chi bộ hears of its members in arrears.
final class DuesCloseTests: XCTestCase, RoutingScenario {
    var payment: String { "http://127.0.0.1:18084" }

    func arrears(_ cell: String, _ month: String) throws -> String? {
        try TestEnvironment.value("""
            SELECT string_agg(m->>'memberId' || ':' || jsonb_array_length(m->'unpaidMonths'), ' ' ORDER BY m->>'memberId')
            FROM payment.dues_arrears_reports, jsonb_array_elements(members) m WHERE organisation_code = $1 AND month = $2
            """, [cell, month])
    }

    func close(_ organisation: String, _ month: String) throws -> String? {
        try TestEnvironment.value("""
            SELECT base_vnd || '/' || kept_percent || '%/' || kept_vnd || '/' || remitted_vnd || '>' || coalesce(parent_code, '-')
            FROM payment.dues_closes WHERE organisation_code = $1 AND month = $2
            """, [organisation, month])
    }

    func testEachLevelKeepsItsShareRemitsTheRestAndMembersInArrearsAreReported() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-08-03 09:00")
        let late = try startSystem(system, environment: clock.environment)
        let payer = TestEnvironment.members(2, organisation: system.organisation)[1]
        try TestEnvironment.registerMembersReplicated([payer])
        let cell = system.organisation
        let grassroots = try XCTUnwrap(TestEnvironment.value("SELECT parent_code FROM routing.organisations WHERE code = $1", [cell]))
        try TestEnvironment.eventually("payment knows the tree") {
            try TestEnvironment.value("SELECT parent_code FROM payment.dues_organisations WHERE code = $1", [cell]) == grassroots
        }
        // The report is made once a month from payment's own copy of the members: both must be in it.
        try TestEnvironment.eventually("payment knows both members") {
            try TestEnvironment.count("SELECT count(*) AS n FROM payment.member_organisations WHERE member_id = ANY($1::text[]) AND organisation_code = $2",
                                      [PostgresArray([late.memberId, payer.memberId]), cell]) == 2
        }

        // 1 December: November closed; neither member paid since August: both reported to the chi bộ.
        try clock.set("2026-12-01 09:00")
        try TestEnvironment.eventually("arrears after November") { try self.arrears(cell, "2026-11") != nil }
        XCTAssertEqual(try arrears(cell, "2026-11"), [late.memberId, payer.memberId].sorted().map { "\($0):4" }.joined(separator: " "))
        try TestEnvironment.eventually("the chi bộ is told") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices
                WHERE source_type = 'dues.arrears-reported.v1' AND recipient_kind = 'organisation' AND recipient_id = $1
                """, [cell]) == 1
        }

        // One member pays August to December late, in cash to the treasurer: 5 × 95,000.
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.partyDues(member: payer, firstMonth: "08/2026", months: 5))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("order opened") {
            try TestEnvironment.value("SELECT amount_to_pay_vnd::text FROM payment.payment_orders WHERE dossier_code = $1", [code]) == "475000"
        }
        let paymentId = try XCTUnwrap(TestEnvironment.value("SELECT payment_id FROM payment.payment_orders WHERE dossier_code = $1", [code]))
        let treasurer = try await token(cell, person: "THU-QUY")
        XCTAssertEqual(HTTPProbe.post("\(payment)/v1/payments/\(paymentId)/cash",
                                      headers: ["Authorization": "Bearer \(treasurer)", "Content-Type": "application/json"],
                                      body: #"{"amountVND": 475000}"#)?.status, 200)

        // 1 January: December closed bottom-up. The chi bộ keeps 30 % and remits 70 % to its
        // grassroots committee, which keeps 50 % of that and remits the rest, in the same run.
        try clock.set("2027-01-01 02:00")
        try TestEnvironment.eventually("December closed up the tree") { try self.close(grassroots, "2026-12") != nil }
        XCTAssertEqual(try close(cell, "2026-12"), "475000/30%/142500/332500>\(grassroots)")
        let above = try close(grassroots, "2026-12") ?? ""
        XCTAssertTrue(above.hasPrefix("332500/50%/166250/166250>"), above)
        // Only the member who did not pay is in arrears now (August to December).
        try TestEnvironment.eventually("arrears after December") { try self.arrears(cell, "2026-12") != nil }
        XCTAssertEqual(try arrears(cell, "2026-12"), "\(late.memberId):5")
        // The ledger: the chi bộ's cash went up, its income is its share, every journal balances.
        XCTAssertEqual(try ledger("org:\(cell):cash"), 142_500)
        XCTAssertEqual(try ledger("org:\(cell):dues-income"), -142_500)
        XCTAssertEqual(try unbalancedJournals(), 0)
        // The grassroots committee sees the remittance arrive.
        try TestEnvironment.eventually("the level above is told") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices
                WHERE source_type = 'dues.remitted.v1' AND recipient_id = $1 AND text LIKE '%nộp lên 332.500 đồng%'
                """, [grassroots]) == 1
        }
        // The grassroots committee's own view of December: what arrived from below, what it kept.
        let (grassrootsOfficer, cellOfficer) = (try await token(grassroots), try await token(cell))
        let view = try XCTUnwrap(HTTPProbe.get("\(payment)/v1/organisations/\(grassroots)/dues/2026-12",
                                               headers: ["Authorization": "Bearer \(grassrootsOfficer)"]))
        XCTAssertEqual(view.status, 200, view.body)
        XCTAssertTrue(view.body.contains(#""organisationCode":"\#(cell)""#) && view.body.contains(#""remittedVND":332500"#), view.body)
        XCTAssertEqual(HTTPProbe.get("\(payment)/v1/organisations/\(grassroots)/dues/2026-12",
                                     headers: ["Authorization": "Bearer \(cellOfficer)"])?.status, 403, "not another organisation's")
        // The chi bộ's officers read those notices in its inbox, and mark one read.
        let notices = "http://127.0.0.1:18085/v1/organisations/\(cell)/notices"
        let inbox = try XCTUnwrap(HTTPProbe.get(notices + "?limit=50", headers: ["Authorization": "Bearer \(cellOfficer)"]))
        XCTAssertEqual(inbox.status, 200, inbox.body)
        let page = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(inbox.body.utf8)) as? [String: Any])
        let listed = try XCTUnwrap(page["notices"] as? [[String: Any]])
        let arrearsNotice = try XCTUnwrap(listed.first { ($0["type"] as? String) == "dues.arrears-reported.v1" })
        let unread = try XCTUnwrap(page["unread"] as? Int)
        XCTAssertGreaterThanOrEqual(unread, 2, "two arrears reports")
        let id = try XCTUnwrap(arrearsNotice["id"] as? Int)
        XCTAssertEqual(HTTPProbe.post("\(notices)/\(id)/read", headers: ["Authorization": "Bearer \(cellOfficer)"], body: "")?.status, 200)
        // Other notices of the chi bộ (its dossier's steps) may still arrive meanwhile: the marked one
        // is read, and the unread count is the page's unread notices.
        let after = try XCTUnwrap(HTTPProbe.get(notices + "?limit=50", headers: ["Authorization": "Bearer \(cellOfficer)"])).body
        let afterPage = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(after.utf8)) as? [String: Any])
        let afterListed = try XCTUnwrap(afterPage["notices"] as? [[String: Any]])
        XCTAssertNotNil(afterListed.first { ($0["id"] as? Int) == id }?["readAt"], after)
        XCTAssertEqual(afterPage["unread"] as? Int, afterListed.filter { $0["readAt"] == nil }.count, after)
        let unreadBefore = Set(listed.filter { $0["readAt"] == nil }.compactMap { $0["id"] as? Int })
        let unreadAfter = Set(afterListed.filter { $0["readAt"] == nil }.compactMap { $0["id"] as? Int })
        XCTAssertEqual(unreadAfter.intersection(unreadBefore), unreadBefore.subtracting([id]), after)
        XCTAssertEqual(HTTPProbe.get(notices, headers: ["Authorization": "Bearer \(grassrootsOfficer)"])?.status, 403)
        try system.stopAll()
    }
}
