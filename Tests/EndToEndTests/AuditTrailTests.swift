import Contracts
import Development
import Foundation
import Persistence
import TestSupport
import XCTest

/// Audit everywhere (issue 21): a dossier's whole life is in the audit trail of each service it
/// crossed — the integrator's submission, every message each service handled, the organisations'
/// software deciding, an officer reading, the member reading the status — each entry saying who
/// (by what the broker or a token proved), what, which dossier, whose data, from where and the
/// outcome; `tthc-admin audit subject` lists every access to the member's data; the chains verify.
final class AuditTrailTests: XCTestCase, RoutingScenario {
    func testADossiersWholeLifeIsInEveryServicesAuditTrailAndTheSubjectReportListsIt() async throws {
        let world = try DevelopmentWorld()
        defer { world.stop() }
        // DV0000002: the other examples use DV0000001, so its report holds this test's dossier only.
        let member = MemberFixture.member(number: 2)
        let channel = try IntakeTests.ReplyChannel(integrator: "portal-demo")
        _ = try channel.submit(SampleDossier.submit(member: member))
        let receipt = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data
        let code = receipt.dossierCode
        try world.awaitResult(code, secret: try XCTUnwrap(receipt.receiptSecret))

        // An officer of the receiving cell reads the dossier; someone without the secret is refused the history.
        let officer = try await token(receipt.receivingOrganisationCode, person: "CB-AUDIT")
        let routingURL = "http://127.0.0.1:\(SystemHarness.ports["routing"]!)"
        XCTAssertEqual(HTTPProbe.get("\(routingURL)/v1/dossiers/\(code)", headers: ["Authorization": "Bearer \(officer)"])?.status, 200)
        XCTAssertEqual(HTTPProbe.get("\(world.intakeURL)/v1/dossiers/\(code)", headers: ["X-Receipt-Secret": "sai"])?.status, 403)

        // The member's paper copy of the result, through the link of its QR code.
        let verificationToken = try XCTUnwrap(try TestEnvironment.value(
            "SELECT verification_token FROM archive.results WHERE dossier_code = $1", [code]))
        let archiveURL = "http://127.0.0.1:\(SystemHarness.ports["archive"]!)"
        XCTAssertNoThrow(try PaperScan(pdfURL: "\(archiveURL)/xac-thuc/\(verificationToken)/ban-giay.pdf"))
        // The cell's trail in routing: its own officers and those above it read it; another cell is
        // refused, and the refusal is itself in the trail.
        let trail = try XCTUnwrap(HTTPProbe.get("\(routingURL)/v1/organisations/\(receipt.receivingOrganisationCode)/audit",
                                                headers: ["Authorization": "Bearer \(officer)"]))
        XCTAssertEqual(trail.status, 200, trail.body)
        XCTAssertTrue(trail.body.contains(#""personId":"CB-AUDIT""#) && trail.body.contains(#""action":"read-dossier""#), trail.body)
        let csv = try XCTUnwrap(HTTPProbe.get("\(routingURL)/v1/organisations/\(receipt.receivingOrganisationCode)/audit?format=csv",
                                              headers: ["Authorization": "Bearer \(officer)"]))
        let lines = csv.body.split(separator: "\r\n").map(String.init)
        XCTAssertEqual(lines.first, "at,personId,role,action,dossierCode,memberId,allowed,detail", csv.body)
        XCTAssertTrue(lines.contains { $0.contains(",CB-AUDIT,officer,read-dossier,\(code),,true,") }, csv.body)
        let strangerId = "CB-KHAC-\(UUID().uuidString.prefix(8))"  // this run's, on a database earlier runs used
        let stranger = try await token("KHAC.CB01", person: strangerId)
        XCTAssertEqual(HTTPProbe.get("\(routingURL)/v1/organisations/\(receipt.receivingOrganisationCode)/audit",
                                     headers: ["Authorization": "Bearer \(stranger)"])?.status, 403)
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM routing.audit_log WHERE person_id = $2 AND action = 'read-audit' AND NOT allowed AND detail = $1
            """, [receipt.receivingOrganisationCode, strangerId]), 1)

        // Who, what, which dossier, whose data, from where, the outcome.
        let expected: [(service: String, action: String, actor: String, by: String?)] = [
            ("intake", "dossier.submit.v1", "integrator", "portal-demo"),
            ("intake", "read-dossier-status", "public", nil),
            ("intake", "dossier.accepted.v1", "service", "tthc-validation"),
            ("validation", "dossier.received.v1", "service", "tthc-intake"),
            ("routing", "dossier.accepted.v1", "service", "tthc-validation"),
            ("routing", "dossier.step-decided.v1", "organisation-software", nil),
            ("routing", "read-dossier", "officer", "CB-AUDIT"),
            ("payment", "dues.status-requested.v1", "service", "tthc-routing"),
            ("notification", "dossier.received.v1", "service", "tthc-intake"),
            ("archive", "dossier.decided.v1", "service", "tthc-routing"),
            ("archive", "read-result-paper-copy", "public", nil),
        ]
        try TestEnvironment.eventually(timeout: 30, "every service's entries for \(code)") {
            try expected.allSatisfy { entry in
                try TestEnvironment.count("""
                    SELECT count(*) AS n FROM \(entry.service).audit_log
                    WHERE dossier_code = $1 AND action = $2 AND actor_kind = $3 AND ($4::text IS NULL OR person_id = $4) AND origin IS NOT NULL
                    """, [code, entry.action, entry.actor, entry.by]) > 0
            }
        }
        // The submission names the member and how it came; the refused read is there, refused.
        XCTAssertEqual(try TestEnvironment.value("""
            SELECT member_id || ' ' || origin || ' ' || allowed::text FROM intake.audit_log WHERE dossier_code = $1 AND action = 'dossier.submit.v1'
            """, [code]), "\(member.memberId) amqp:intake.commands true")
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM intake.audit_log WHERE dossier_code = $1 AND action = 'read-dossier-status' AND NOT allowed
            """, [code]), 1)

        // The subject report: every entry about the member or its dossier, in every service, and
        // nothing about anyone else's.
        let admin = TestEnvironment.binDirectory.appendingPathComponent("tthc-admin")
        let (status, output) = try runCommand(admin, ["audit", "subject", "--member", member.memberId, "--since", "2000-01-01", "--json"])
        XCTAssertEqual(status, 0, output)
        let rows = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let listed = Set(rows.compactMap { row in (row["service"] as? String).flatMap { s in (row["id"] as? Int).map { "\(s)#\($0)" } } })
        XCTAssertEqual(Set(rows.compactMap { $0["service"] as? String }),
                       ["intake", "validation", "routing", "payment", "notification", "archive"], output)
        // The member's dossiers (this one, and those of earlier runs on this database) as the logs tie them.
        let services = ["intake", "validation", "routing", "payment", "notification", "archive"]
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        let codes = try services.flatMap { service in
            try db.execute("SELECT DISTINCT dossier_code FROM \(service).audit_log WHERE member_id = $1 AND dossier_code IS NOT NULL",
                           [member.memberId]).rows.map { try $0.string("dossier_code") }
        } + [("SELECT code AS c FROM intake.dossiers WHERE member_id = $1"),
             ("SELECT code AS c FROM intake.feedback WHERE sender_kind = 'member' AND sender_id = $1"),
             ("SELECT dossier_code AS c FROM routing.routes WHERE member_id = $1")].flatMap { sql in
            try db.execute(sql, [member.memberId]).rows.map { try $0.string("c") }
        }
        XCTAssertTrue(codes.contains(code))
        var expectedIds: Set<String> = []
        for service in services {
            expectedIds.formUnion(try db.execute("""
                SELECT id FROM \(service).audit_log WHERE dossier_code = ANY($1::text[]) OR member_id = $2
                """, [PostgresArray(codes), member.memberId]).rows.map { "\(service)#\(try $0.int("id"))" })
        }
        XCTAssertEqual(listed, expectedIds, "the report lists the member's entries, all of them and only them")
        XCTAssertEqual(rows.count, expectedIds.count)
        XCTAssertTrue(rows.contains { $0["action"] as? String == "member.registered.v1" && $0["service"] as? String == "validation" },
                      "the registry's update of the member is an access to its data")
        // Independently of how the report finds them: every entry of the dossier's life named above is listed.
        for entry in expected {
            XCTAssertTrue(rows.contains { $0["service"] as? String == entry.service && $0["action"] as? String == entry.action
                && $0["dossierCode"] as? String == code }, "\(entry.service) \(entry.action) missing from the report")
        }
        XCTAssertTrue(rows.allSatisfy { ($0["memberId"] as? String).map { $0 == member.memberId } ?? true }, output)

        let verified = try runCommand(admin, ["audit", "verify"])
        XCTAssertEqual(verified.status, 0, verified.output)
    }
}
