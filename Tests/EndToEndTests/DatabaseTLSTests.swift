import Foundation
import Persistence
import TestSupport
import XCTest

/// Issue 22: TLS to PostgreSQL with `sslmode=verify-full`, as production configures it
/// (Deploy/k8s/overlays/production). The local server has a certificate of the development CA
/// (`servers.sh`); a service given a verify-full URL runs on encrypted connections only, and a
/// server whose certificate does not chain to the trusted root or names another host is refused.
final class DatabaseTLSTests: XCTestCase {
    var ca: String { ProcessInfo.processInfo.environment["TTHC_TLS_CA_FOR_TESTS"] ?? "" }

    func verifyFullURL(host: String = "localhost", rootCertificate: String) -> String {
        "postgres://intake:intake@\(host):\(TestEnvironment.pgPort)/tthc?sslmode=verify-full&sslrootcert=\(rootCertificate)"
    }

    func testAServiceConnectsWithVerifyFullAndEveryConnectionIsEncrypted() throws {
        guard !ca.isEmpty else { throw XCTSkip("TTHC_TLS_CA_FOR_TESTS unset: run with Deploy/local/servers.sh env") }
        let system = try SystemHarness()
        let intake = try system.start("intake", environment: ["TTHC_DATABASE_URL": verifyFullURL(rootCertificate: ca)])
        let backends = """
            SELECT count(*) FILTER (WHERE s.ssl) AS encrypted, count(*) FILTER (WHERE NOT s.ssl) AS plain
            FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'intake' AND a.client_addr IS NOT NULL
            """
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        let row = try db.execute(backends).first!
        XCTAssertGreaterThan(try row.int("encrypted"), 0, "intake's connections")
        XCTAssertEqual(try row.int("plain"), 0, "intake's unencrypted connections")
        _ = try intake.terminate()
    }

    func testAServerCertificateOfAnotherAuthorityOrForAnotherHostIsRefused() throws {
        guard !ca.isEmpty else { throw XCTSkip("TTHC_TLS_CA_FOR_TESTS unset: run with Deploy/local/servers.sh env") }
        XCTAssertNoThrow(try PostgresConnection(url: verifyFullURL(rootCertificate: ca)).close())

        // A root the server's certificate does not chain to.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let otherCA = directory.appendingPathComponent("other-ca.pem").path
        let (status, output) = try runCommand(URL(fileURLWithPath: "/usr/bin/openssl"), [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Another CA",
            "-keyout", directory.appendingPathComponent("other-ca.key").path, "-out", otherCA,
        ])
        XCTAssertEqual(status, 0, output)
        XCTAssertThrowsError(try PostgresConnection(url: verifyFullURL(rootCertificate: otherCA))) { error in
            XCTAssertTrue("\(error)".contains("certificate verify failed"), "\(error)")
        }
        // The right root, but the certificate names localhost and 127.0.0.1, not the host asked for.
        let otherHost = verifyFullURL(host: "tthc-db.invalid", rootCertificate: ca) + "&hostaddr=127.0.0.1"
        XCTAssertThrowsError(try PostgresConnection(url: otherHost)) { error in
            XCTAssertTrue("\(error)".contains("does not match host name"), "\(error)")
        }
    }
}
