import Foundation
import Messaging
import Persistence
import TestSupport
import XCTest

/// Issue 22, TLS in compose: docker-compose.yml with `Deploy/compose/tls.yml`, run by podman. The
/// broker listens only for amqps and the database takes only TLS connections over the network; each
/// service checks their certificates (amqps with `TTHC_AMQP_CA_CERT`, `sslmode=verify-full`), and
/// dossiers still end exactly once. Runs when the environment is `compose-world.sh env` with
/// `TTHC_COMPOSE_TLS=1` (`Deploy/local/test.sh` runs it after `ContainerTests`).
final class ContainerTLSTests: XCTestCase, ComposeWorld {
    func testTheServicesReachTheBrokerAndTheDatabaseOnlyOverVerifiedTLS() throws {
        _ = try worldProject()
        guard TestEnvironment.worldTLSCA != nil else { throw XCTSkip("the compose world is not the TLS one (TTHC_COMPOSE_TLS=1)") }
        try world(["up"])
        defer { _ = try? world(["down"]) }
        // The tests' own connections (organisations, submissions, checks, reconcile) are TLS too.
        let system = try startOrganisations()
        try TestEnvironment.submitDossiers(100, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 180, interval: 0.5, "100 results") {
            try system.archived() == 100 && system.notices() == 400
        }
        try system.assertExactlyOnce(100)

        // Every service's sessions with the database are encrypted...
        let database = try TestEnvironment.superuser()
        defer { database.close() }
        let sessions = try database.execute("""
            SELECT a.usename AS role, s.ssl::text AS ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
            WHERE a.usename = ANY($1::text[])
            """, [PostgresArray(SystemHarness.services)]).rows.map { (try $0.string("role"), try $0.string("ssl")) }
        XCTAssertEqual(Set(sessions.map(\.0)), Set(SystemHarness.services))
        XCTAssertEqual(sessions.filter { $0.1 != "true" }.map(\.0), [], "sessions without TLS")
        // ...and a plain one finds no entry in pg_hba.conf.
        XCTAssertThrowsError(try PostgresConnection(
            url: "postgres://intake:intake@127.0.0.1:\(TestEnvironment.pgPort)/tthc?sslmode=disable")) { error in
            XCTAssertTrue("\(error)".contains("no encryption"), "\(error)")
        }

        // Each service was told to check the database's certificate and name, and the broker's CA.
        let project = try worldProject()
        for service in SystemHarness.services {
            let url = try inContainer("\(project)_\(service)_1", ["cat", "/run/secrets/\(service)-database-url"])
            XCTAssertTrue(url.contains("sslmode=verify-full&sslrootcert=/run/secrets/tls-ca"), service)
            XCTAssertTrue(try inContainer("\(project)_\(service)_1", ["printenv", "TTHC_AMQP_CA_CERT"]).contains("/run/secrets/tls-ca"), service)
        }

        // The broker has no plain listener (AMQP, management, metrics), and every service's connection is TLS.
        let listeners = try broker(["rabbitmq-diagnostics", "-q", "listeners"])
        for secure in ["protocol: amqp/ssl,", "protocol: https,", "protocol: https/prometheus,"] {
            XCTAssertTrue(listeners.contains(secure), "\(secure) in \(listeners)")
        }
        for plain in ["protocol: amqp,", "protocol: http,", "protocol: http/prometheus,"] {
            XCTAssertFalse(listeners.contains(plain), "\(plain) in \(listeners)")
        }
        let connections = try broker(["rabbitmqctl", "-q", "list_connections", "user", "ssl", "--no-table-headers"])
            .split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).map(String.init) }.filter { $0.count == 2 }
        XCTAssertEqual(Set(connections.map { $0[0] }).intersection(SystemHarness.services.map { "tthc-\($0)" }).count, SystemHarness.services.count,
                       "\(connections)")
        XCTAssertEqual(connections.filter { $0[1] != "true" }, [], "connections without TLS")
    }
}
