import Contracts
import Foundation
import TestSupport
import XCTest

/// Audit retention (issue 22, `TTHC_AUDIT_RETENTION_DAYS`): links older than the retention go, but
/// only up to a link a checkpoint kept by archive names; that link stays as the chain's anchor and
/// `tthc-admin audit verify` checks what remains from it. Intake's clock is moved past the
/// retention (`TTHC_CLOCK_FILE`) so that its hourly retention timer fires.
final class AuditRetentionTests: XCTestCase {
    func verify() throws -> (status: Int32, output: String) {
        try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), ["audit", "verify", "--schema", "intake"])
    }

    func testLinksPastTheRetentionGoUpToACheckpointAndWhatRemainsStillVerifies() throws {
        let clock = FileManager.default.temporaryDirectory.appendingPathComponent("clock-\(UUID().uuidString)")
        try WireJSON.formatTimestamp(Date()).write(to: clock, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: clock) }
        let system = try SystemHarness()
        try system.startAll { service in
            service == "intake" ? ["TTHC_CLOCK_FILE": clock.path, "TTHC_AUDIT_RETENTION_DAYS": "30", "TTHC_AUDIT_CHECKPOINT_SECONDS": "1"] : [:]
        }
        try TestEnvironment.submitDossiers(3, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 120, interval: 0.5, "3 results") { try system.archived() == 3 }
        // Archive keeps a checkpoint of intake's chains that intake remembers publishing.
        try TestEnvironment.eventually(timeout: 60, interval: 0.5, "a checkpoint archive keeps") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM intake.audit_checkpoint_history h
                JOIN archive.audit_checkpoints c ON c.service = 'intake' AND c.chain = h.chain AND c.seq = h.seq
                """) > 0
        }
        // Within the retention (intake's timer fired at its start), this run's checkpoints wait.
        let removedSQL = "SELECT coalesce(sum(removed_rows), 0)::int AS n FROM intake.audit_chain_anchors"
        let removed = try TestEnvironment.count(removedSQL)
        let unused = """
            SELECT count(*) AS n FROM intake.audit_checkpoint_history h LEFT JOIN intake.audit_chain_anchors a ON a.chain = h.chain
            WHERE h.published_at < now() + interval '1 day' AND h.seq > coalesce(a.seq, 0)
            """
        XCTAssertGreaterThan(try TestEnvironment.count(unused), 0, "checkpoints within the retention are not used")

        // 31 days later for intake: its retention timer is due and removes what was checkpointed.
        try WireJSON.formatTimestamp(Date().addingTimeInterval(31 * 86_400)).write(to: clock, atomically: true, encoding: .utf8)
        try TestEnvironment.eventually(timeout: 60, interval: 0.5, "links removed up to anchors") {
            try TestEnvironment.count(removedSQL) > removed
        }
        XCTAssertEqual(try TestEnvironment.count(unused), 0, "every checkpoint older than the moved clock's retention was used")
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM intake.audit_log l JOIN intake.audit_chain_anchors a ON a.chain = l.chain AND l.seq <= a.seq
            """), 0, "no link at or below an anchor remains")
        let good = try verify()
        XCTAssertEqual(good.status, 0, good.output)
        XCTAssertTrue(good.output.contains("intake.audit_log: ok"), good.output)

        // The service's role still cannot remove a link above its chain's anchor.
        let role = try TestEnvironment.database(role: "intake", schema: "intake")
        defer { role.close() }
        XCTAssertThrowsError(try role.execute("""
            DELETE FROM audit_log WHERE id = (SELECT max(l.id) FROM audit_log l JOIN audit_chain_anchors a ON a.chain = l.chain)
            """)) { error in XCTAssertTrue("\(error)".contains("append-only"), "\(error)") }
        // An anchor moved back (links removed that no checkpoint covers) is found.
        let superuser = try TestEnvironment.superuser()
        defer { superuser.close() }
        let chain = try XCTUnwrap(TestEnvironment.value("SELECT min(chain) FROM intake.audit_chain_anchors"))
        try superuser.execute("UPDATE intake.audit_chain_anchors SET seq = seq - 1 WHERE chain = $1", [chain])
        let broken = try verify()
        try superuser.execute("UPDATE intake.audit_chain_anchors SET seq = seq + 1 WHERE chain = $1", [chain])
        XCTAssertNotEqual(broken.status, 0, broken.output)
        XCTAssertTrue(broken.output.contains(chain), broken.output)
        XCTAssertEqual(try verify().status, 0)
        try system.stopAll()
    }
}
