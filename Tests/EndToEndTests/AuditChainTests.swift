import Contracts
import Foundation
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// The audit log is tamper-evident (issue 21): the service's own role may insert rows but never
/// change or remove one, every row is a link of a hash chain, and `tthc-admin audit verify`
/// recomputes the chains and names the first row a superuser changed behind the service's back.
final class AuditChainTests: XCTestCase, RoutingScenario {
    func verify() throws -> (status: Int32, output: String) {
        try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), ["audit", "verify", "--schema", "routing"])
    }

    func testTheAuditLogIsAppendOnlyChainedAndAChangedRowIsNamed() async throws {
        let system = try SystemHarness()
        try system.start("archive")
        try system.start("routing", environment: ["TTHC_AUDIT_CHECKPOINT_SECONDS": "1"])
        // Officers' reads, allowed and refused, each audited in its own transaction.
        let organisation = system.organisation
        for person in ["CB-1", "CB-2", "CB-3"] {
            let token = try await token(organisation, person: person)
            XCTAssertEqual(HTTPProbe.get("\(routing)/v1/inbox", headers: ["Authorization": "Bearer \(token)"])?.status, 200)
            XCTAssertEqual(HTTPProbe.get("\(routing)/v1/organisations/KHAC.CB01/figures", headers: ["Authorization": "Bearer \(token)"])?.status, 403)
        }
        let mine = try XCTUnwrap(TestEnvironment.value(
            "SELECT min(id)::text FROM routing.audit_log WHERE organisation_code = $1 AND action = 'read-inbox'", [organisation]))
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM routing.audit_log WHERE organisation_code = $1 AND hash IS NOT NULL AND chain IS NOT NULL
            """, [organisation]), 6)
        let good = try verify()
        XCTAssertEqual(good.status, 0, good.output)
        XCTAssertTrue(good.output.contains("routing.audit_log: ok"), good.output)

        // The service's role is refused changing or removing a row, or emptying the table (as the
        // table's owner it could disable the trigger: what it then rewrites after the last
        // checkpoint is what the checkpoints cannot tell, see docs/domain-routing.md).
        let role = try TestEnvironment.database(role: "routing", schema: "routing")
        defer { role.close() }
        for statement in ["UPDATE audit_log SET allowed = true WHERE id = \(mine)", "DELETE FROM audit_log WHERE id = \(mine)",
                          "TRUNCATE audit_log"] {
            XCTAssertThrowsError(try role.execute(statement), statement) { error in
                XCTAssertTrue("\(error)".contains("append-only"), "\(error)")
            }
        }

        // A superuser can (triggers off): the change is found, naming the row. A row inserted
        // outside every chain is refused by the table itself.
        XCTAssertThrowsError(try role.execute("INSERT INTO audit_log (person_id, action, allowed) VALUES ('x', 'x', true)"))
        let superuser = try TestEnvironment.superuser()
        defer { superuser.close() }
        func asSuperuser(_ statements: String...) throws {
            try superuser.transaction { db in
                try db.execute("SET LOCAL session_replication_role = replica")
                for sql in statements { try db.execute(sql) }
            }
        }
        try superuser.execute("CREATE TEMP TABLE saved AS SELECT * FROM routing.audit_log WHERE id = \(mine)")
        try asSuperuser("UPDATE routing.audit_log SET detail = 'sửa lén' WHERE id = \(mine)")
        let tampered = try verify()
        XCTAssertEqual(tampered.status, 1, tampered.output)
        XCTAssertTrue(tampered.output.contains("routing.audit_log: BROKEN at row id \(mine) "), tampered.output)
        XCTAssertTrue(tampered.output.contains("does not match its hash"), tampered.output)

        // A removed row breaks the chain too; put back as it was, every chain holds again.
        try asSuperuser("DELETE FROM routing.audit_log WHERE id = \(mine)")
        let removed = try verify()
        XCTAssertEqual(removed.status, 1, removed.output)
        XCTAssertTrue(removed.output.contains("BROKEN"), removed.output)
        try asSuperuser("INSERT INTO routing.audit_log SELECT * FROM saved")
        XCTAssertEqual(try verify().status, 0)

        // Rewritten from a link on, head and all, a chain is consistent in itself; the heads routing
        // published (audit.checkpoint.v1, kept by archive) tell.
        try TestEnvironment.eventually("every head of routing's chains checkpointed at archive") {
            try TestEnvironment.count("""
                    SELECT count(*) AS n FROM routing.audit_chain_heads h
                    WHERE NOT EXISTS (SELECT 1 FROM archive.audit_checkpoints c
                                      WHERE c.service = 'routing' AND c.chain = h.chain AND c.seq = h.seq AND c.hash = encode(h.hash, 'hex'))
                    """) == 0
        }
        let chain = try XCTUnwrap(TestEnvironment.value("SELECT chain FROM routing.audit_chain_heads WHERE seq >= 2 ORDER BY chain LIMIT 1"))
        try superuser.execute("CREATE TEMP TABLE last_link AS SELECT * FROM routing.audit_log WHERE chain = $1 ORDER BY seq DESC LIMIT 1", [chain])
        try superuser.execute("CREATE TEMP TABLE head AS SELECT * FROM routing.audit_chain_heads WHERE chain = $1", [chain])
        try asSuperuser("DELETE FROM routing.audit_log WHERE id = (SELECT id FROM last_link)", """
            UPDATE routing.audit_chain_heads h SET seq = l.seq, hash = l.hash FROM routing.audit_log l
            WHERE h.chain = l.chain AND l.seq = h.seq - 1 AND h.chain = (SELECT chain FROM head)
            """)
        let cut = try verify()
        XCTAssertEqual(cut.status, 1, cut.output)
        XCTAssertTrue(cut.output.contains("checkpointed at") && cut.output.contains(chain), cut.output)
        try asSuperuser("INSERT INTO routing.audit_log SELECT * FROM last_link",
                        "UPDATE routing.audit_chain_heads h SET seq = head.seq, hash = head.hash FROM head WHERE h.chain = head.chain")
        XCTAssertEqual(try verify().status, 0)
        try system.stopAll()
    }
}
