import Contracts
import Development
import Foundation
import Messaging
import TestSupport
import XCTest

/// Issue 22: one service's schema is backed up and restored on its own
/// (`Deploy/postgres/schema-backup.sh`, pg_dump of one schema): after its schema is lost and
/// restored, routing has every route, its audit chain verifies, and new dossiers flow as before.
final class BackupRestoreTests: XCTestCase {
    func script(_ arguments: [String]) throws {
        let socket = ProcessInfo.processInfo.environment["TTHC_PG_SOCKET_DIR"] ?? "/var/run/postgresql"
        let (status, output) = try runCommand(URL(fileURLWithPath: "/bin/bash"),
                                              [TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/postgres/schema-backup.sh").path] + arguments,
                                              environment: ["PGHOST": socket, "PGPORT": String(TestEnvironment.pgPort), "PGUSER": "postgres"])
        XCTAssertEqual(status, 0, "schema-backup.sh \(arguments.joined(separator: " ")): \(output)")
    }

    func testRoutingsSchemaIsRestoredFromItsBackupAndTheServiceGoesOn() throws {
        let system = try SystemHarness()
        try system.startAll()
        try TestEnvironment.submitDossiers(20, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 120, interval: 0.5, "20 results") { try system.archived() == 20 }
        try system.stop("routing")
        let routes = "SELECT count(*) AS n FROM routing.routes WHERE dossier_code LIKE $1"
        let allRoutes = try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes")
        let auditRows = try TestEnvironment.count("SELECT count(*) AS n FROM routing.audit_log")

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("routing-\(UUID().uuidString).dump")
        defer { try? FileManager.default.removeItem(at: file) }
        try script(["backup", "routing", file.path])
        // The schema is lost (a bad migration, a mistaken DROP): only routing's.
        let db = try TestEnvironment.superuser()
        try db.execute("DROP SCHEMA routing CASCADE")
        db.close()
        // Whatever happens below, the suite after this test finds a routing schema.
        addTeardownBlock {
            let db = try TestEnvironment.superuser()
            defer { db.close() }
            try db.execute("CREATE SCHEMA IF NOT EXISTS routing AUTHORIZATION routing")
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM pg_namespace WHERE nspname = 'routing'"), 0)
        XCTAssertGreaterThan(try system.intakeDossiers(), 0, "the other schemas are untouched")

        try script(["restore", "routing", file.path])
        XCTAssertEqual(try TestEnvironment.count(routes, [system.organisation + "-%"]), 20)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes"), allRoutes)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.audit_log"), auditRows)
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'routing'"), "routing", "owned by its role again")
        let verified = try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), ["audit", "verify", "--schema", "routing"])
        XCTAssertEqual(verified.status, 0, verified.output)

        // Routing starts on its restored schema (no migration runs again) and new dossiers flow.
        try system.start("routing")
        // Five more members (21–25), so that no member submits twice.
        let more = Array(TestEnvironment.members(25, organisation: system.organisation).suffix(5))
        try TestEnvironment.registerMembers(more)
        let amqp = try TestEnvironment.amqp(user: "portal-test", confirms: true)
        for member in more {
            let message = try SampleDossier.message(SampleDossier.submit(organisation: system.organisation, member: member), userId: "portal-test")
            try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey,
                             body: message.body, properties: message.properties)
        }
        try amqp.waitForConfirms()
        amqp.close()
        try TestEnvironment.eventually(timeout: 120, interval: 0.5, "25 results") {
            try system.archived() == 25 && system.notices() == 100
        }
        try system.assertExactlyOnce(25)
        try system.stopAll()
    }
}
