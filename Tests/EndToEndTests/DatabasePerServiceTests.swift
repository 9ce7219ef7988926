import Contracts
import Development
import Foundation
import Messaging
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

        // The accounting reads each schema where it lives. A dossier routing holds but intake has not
        // heard of yet (intake paused): only a look at the second server says so.
        let superuser2 = "postgresql://postgres@/tthc?host=\(ProcessInfo.processInfo.environment["TTHC_PG_SOCKET_DIR"] ?? "/var/run/postgresql")&port=\(second)"
        let secondServer = ["--database", "routing=\(superuser2)", "--database", "archive=\(superuser2)"]
        func reconcile(_ arguments: [String]) throws -> String { try system.reconcile(arguments).output }
        try system.stop("routing")
        let member = TestEnvironment.members(101, organisation: system.organisation)[100]
        try TestEnvironment.registerMembers([member])
        let amqp = try TestEnvironment.amqp(user: "portal-test", confirms: true)
        let message = try SampleDossier.message(SampleDossier.submit(organisation: system.organisation, member: member), userId: "portal-test")
        try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey, body: message.body, properties: message.properties)
        try amqp.waitForConfirms()
        amqp.close()
        try TestEnvironment.eventually(timeout: 60, "accepted, as intake heard it") {
            try reconcile([]).contains("accepted → routing: 1")
        }
        let intake = try XCTUnwrap(system.processes["intake"])
        kill(intake.pid, SIGSTOP)
        try system.start("routing", environment: ["TTHC_DATABASE_URL": url("routing", second)])
        try TestEnvironment.eventually(timeout: 60, "routed on the second server") {
            try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code LIKE $1", [dossiers], port: second) == 101
        }
        XCTAssertTrue(try reconcile(["--stuck-after", "0s"] + secondServer).contains("routing holds the route"))
        XCTAssertTrue(try reconcile(["--stuck-after", "0s"]).contains("routing has no route"), "the first server has no route of it")
        kill(intake.pid, SIGCONT)
        try TestEnvironment.eventually(timeout: 120, interval: 0.5, "every dossier finished") {
            try reconcile(["--expect-finished"] + secondServer).contains("101 dossier(s): 101 finished, 0 waiting, 0 stuck")
        }
        try system.stopAll()
    }
}
