import Foundation
import TestSupport
import XCTest

/// Issue 22, secrets: compose refuses to start without its secrets unless the development world
/// is asked for; a service reads every secret from a file; development passwords need
/// `TTHC_DEVELOPMENT=1`.
final class SecretsTests: XCTestCase {
    func compose(_ arguments: [String]) throws -> (status: Int32, output: String) {
        // Unset, not empty: a variable of the environment, even empty, wins over the --env-file.
        try runCommand(URL(fileURLWithPath: "/usr/bin/env"),
                       ["-u", "TTHC_SECRETS_DIR", "-u", "TTHC_DEVELOPMENT", "docker-compose", "-f", "docker-compose.yml"] + arguments,
                       directory: TestEnvironment.repositoryRoot)
    }

    func testComposeRefusesToStartWithoutSecretsUnlessTheDevelopmentWorldIsAsked() throws {
        let refused = try compose(["config", "-q"])
        XCTAssertNotEqual(refused.status, 0, "no secrets, no development: refused")
        XCTAssertTrue(refused.output.contains("set TTHC_SECRETS_DIR"), refused.output)

        let development = try compose(["--env-file", "Deploy/compose/development.env", "config"])
        XCTAssertEqual(development.status, 0, development.output)
        XCTAssertEqual(development.output.components(separatedBy: "TTHC_DEVELOPMENT: '1'").count - 1, 7,
                       "every service of ours, the sandbox included, is told it runs the development world")
        // Every secret a service reads from a file is mounted into it, and exists in the development set.
        let secretsDirectory = TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/compose/development-secrets")
        let files = try FileManager.default.contentsOfDirectory(atPath: secretsDirectory.path)
        let text = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("docker-compose.yml"), encoding: .utf8)
        let mounted = Set(text.matches(of: /\/run\/secrets\/([a-z-]+)/).map { String($0.output.1) })
        XCTAssertEqual(mounted, Set(files), "the development secrets are exactly those compose mounts")
        XCTAssertFalse(text.contains("development-officer-token-secret"), "no development secret as a default in compose")

        let production = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: production, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: production) }
        let accepted = try runCommand(URL(fileURLWithPath: "/usr/bin/docker-compose"), ["-f", "docker-compose.yml", "config"],
                                      environment: ["TTHC_SECRETS_DIR": production.path, "TTHC_DEVELOPMENT": ""],
                                      directory: TestEnvironment.repositoryRoot)
        XCTAssertEqual(accepted.status, 0, accepted.output)
        XCTAssertTrue(accepted.output.contains("TTHC_DEVELOPMENT: '0'"), accepted.output)
    }

    func testAServiceReadsItsSecretsFromFilesAndRefusesDevelopmentPasswordsUnlessAsked() throws {
        let system = try SystemHarness()
        let environment = ProcessInfo.processInfo.environment
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func secret(_ name: String, _ value: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try Data((value + "\n").utf8).write(to: url)
            return url.path
        }
        let socket = environment["TTHC_PG_SOCKET_DIR"] ?? ""
        let databaseURL = socket.isEmpty ? "postgres://intake:intake@\(TestEnvironment.pgHost):\(TestEnvironment.pgPort)/tthc"
            : "postgresql://intake:intake@/tthc?host=\(socket)&port=\(TestEnvironment.pgPort)"
        try system.start("intake", environment: [
            "TTHC_AMQP_URL_FILE": try secret("amqp-url", "amqp://tthc-intake:tthc-intake@\(TestEnvironment.amqpHost):\(TestEnvironment.amqpPort)/tthc"),
            "TTHC_DATABASE_URL_FILE": try secret("database-url", databaseURL),
            "TTHC_HISTORY_KEYS_FILE": try secret("history-keys", environment["TTHC_HISTORY_KEYS"] ?? ""), "TTHC_HISTORY_KEYS": "",
            "TTHC_UPLOAD_TICKET_SECRET_FILE": try secret("upload-ticket", environment["TTHC_UPLOAD_TICKET_SECRET"] ?? ""),
            "TTHC_UPLOAD_TICKET_SECRET": "",
            // The defaults lead nowhere: only the URLs read from the files reach the servers.
            "TTHC_AMQP_PORT": "1", "TTHC_PG_PORT": "1",
        ])
        try TestEnvironment.submitDossiers(1, organisation: system.organisation)
        try TestEnvironment.eventually("received with secrets from files") { try system.intakeDossiers() == 1 }
        try system.stop("intake")

        // The same development passwords without development mode: refused, naming the variable.
        let refused = try ServiceProcess("intake", httpPort: SystemHarness.ports["intake"]!, environment: ["TTHC_DEVELOPMENT": ""])
        try TestEnvironment.eventually("intake refuses to start") { !refused.isRunning }
        XCTAssertEqual(refused.terminationStatus, 1)
        XCTAssertTrue(refused.log().contains("TTHC_AMQP_URL holds the development password of tthc-intake"), refused.log())
    }
}
