import Foundation
import TestSupport
import XCTest

/// Issue 22: a database server per service. Intake and validation keep their schemas on the tests'
/// server, routing, payment, notification and archive on a second one (`servers.sh second-postgres
/// start`, port TTHC_PG2_PORT): dossiers still end once, every service's tables exist only where it
/// runs, so nothing crosses schemas, and `tthc-admin reconcile` accounts with one URL per server.
final class DatabasePerServiceTests: XCTestCase {
    func testDossiersEndOnceWithTheServicesOnTwoDatabaseServers() throws {
        guard let second = ProcessInfo.processInfo.environment["TTHC_PG2_PORT"].flatMap(Int.init) else {
            throw XCTSkip("no second database server: run Deploy/local/test.sh, or servers.sh second-postgres start and TTHC_PG2_PORT")
        }
        let system = try SystemHarness()
        let moved = ["routing", "payment", "notification", "archive"]
        func url(_ role: String, _ port: Int) -> String { "postgres://\(role):\(role)@\(TestEnvironment.pgHost):\(port)/tthc" }
        try system.startAll { service in moved.contains(service) ? ["TTHC_DATABASE_URL": url(service, second)] : [:] }
        try TestEnvironment.submitDossiers(100, organisation: system.organisation)
        let dossiers = "\(system.organisation)-%"
        try TestEnvironment.eventually(timeout: 180, interval: 0.5, "100 results on the second server") {
            try TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code LIKE $1", [dossiers], port: second) == 100
                && TestEnvironment.count("""
                    SELECT count(*) AS n FROM notification.notices WHERE dossier_code LIKE $1 AND recipient_kind = 'member'
                    """, [dossiers], port: second) == 400
        }
        XCTAssertEqual(try system.intakeDossiers(), 100)
        XCTAssertEqual(try system.validated(), 100)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code LIKE $1", [dossiers], port: second), 100)
        // Each service's rows live where it runs, and nowhere else.
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code LIKE $1", [dossiers]), 0)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM archive.results WHERE dossier_code LIKE $1", [dossiers]), 0)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM pg_tables WHERE schemaname IN ('intake', 'validation')",
                                                 port: second), 0, "intake and validation never created a table on the second server")

        // The accounting, with the second server named for the schemas that live there.
        let superuser2 = "postgresql://postgres@/tthc?host=\(ProcessInfo.processInfo.environment["TTHC_PG_SOCKET_DIR"] ?? "/var/run/postgresql")&port=\(second)"
        try TestEnvironment.eventually(timeout: 60, interval: 0.5, "every dossier finished") {
            let (status, output) = try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-admin"), [
                "reconcile", "--organisation", system.organisation, "--expect-finished",
                "--database", "routing=\(superuser2)", "--database", "archive=\(superuser2)"])
            return status == 0 && output.contains("100 dossier(s): 100 finished, 0 waiting, 0 stuck")
        }
        try system.stopAll()
    }
}
