import Foundation
import ServiceKit
import XCTest

/// Issue 22, secrets: every secret may come from a file (`<NAME>_FILE`), and the development
/// world's passwords are refused unless development mode is asked for.
final class ServiceEnvironmentTests: XCTestCase {
    func file(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)")
        try Data(text.utf8).write(to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    func testASecretIsReadFromItsFileWithoutTheTrailingNewline() throws {
        let resolved = try ServiceEnvironment.resolvingSecretFiles([
            "TTHC_OFFICER_TOKEN_SECRET_FILE": try file("s3cret-from-a-mounted-file\n"), "TTHC_LOG_LEVEL": "info"])
        XCTAssertEqual(resolved["TTHC_OFFICER_TOKEN_SECRET"], "s3cret-from-a-mounted-file")
        XCTAssertEqual(resolved["TTHC_LOG_LEVEL"], "info")
        for name in ServiceEnvironment.secretVariables {
            XCTAssertEqual(try ServiceEnvironment.resolvingSecretFiles(["\(name)_FILE": try file("x")])[name], "x", name)
        }
    }

    func testBothSetAMissingFileOrAnEmptyOneIsAnErrorNamingTheVariable() throws {
        let both = try file("a")
        XCTAssertThrowsError(try ServiceEnvironment.resolvingSecretFiles(["TTHC_VNPAY_HASH_SECRET": "b", "TTHC_VNPAY_HASH_SECRET_FILE": both])) {
            XCTAssertTrue("\($0)".contains("TTHC_VNPAY_HASH_SECRET_FILE and TTHC_VNPAY_HASH_SECRET are both set"), "\($0)")
        }
        XCTAssertThrowsError(try ServiceEnvironment.resolvingSecretFiles(["TTHC_SMS_SECRET_FILE": "/nonexistent/secret"])) {
            XCTAssertTrue("\($0)".contains("TTHC_SMS_SECRET_FILE names /nonexistent/secret, which cannot be read"), "\($0)")
        }
        XCTAssertThrowsError(try ServiceEnvironment.resolvingSecretFiles(["TTHC_DATABASE_URL_FILE": try file("\n")])) {
            XCTAssertTrue("\($0)".contains("which is empty"), "\($0)")
        }
    }

    func testDevelopmentPasswordsAreRefusedUnlessDevelopmentIsAsked() throws {
        let development = ["TTHC_AMQP_URL": "amqp://tthc-intake:tthc-intake@broker:5672/tthc",
                           "TTHC_DATABASE_URL": "postgres://intake:a-real-password@db:5432/tthc"]
        XCTAssertThrowsError(try ServiceConfiguration(service: "intake", defaultHTTPPort: 0, environment: development)) {
            XCTAssertTrue("\($0)".contains("TTHC_AMQP_URL holds the development password of tthc-intake"), "\($0)")
        }
        var database = development
        database["TTHC_AMQP_URL"] = "amqp://tthc-intake:Zq8-real@broker:5672/tthc"
        database["TTHC_DATABASE_URL"] = "postgres://intake:intake@db:5432/tthc"
        XCTAssertThrowsError(try ServiceConfiguration(service: "intake", defaultHTTPPort: 0, environment: database)) {
            XCTAssertTrue("\($0)".contains("TTHC_DATABASE_URL holds the development password of intake"), "\($0)")
        }
        XCTAssertNoThrow(try ServiceConfiguration(service: "intake", defaultHTTPPort: 0,
                                                  environment: development.merging(["TTHC_DEVELOPMENT": "1"]) { $1 }))
        // Real passwords, or none at all (certificates, peer authentication, a password file).
        XCTAssertNoThrow(try ServiceConfiguration(service: "intake", defaultHTTPPort: 0, environment: [
            "TTHC_AMQP_URL": "amqps://tthc-intake:Zq8-real@broker:5671/tthc",
            "TTHC_DATABASE_URL": "postgresql://intake@/tthc?host=/var/run/postgresql"]))
    }
}

extension ServiceEnvironmentTests {
    func testTheSeededIntegratorTokensAreTheDevelopmentOnes() {
        XCTAssertTrue(ServiceEnvironment.isDevelopmentToken("portal-demo-token", integrator: "portal-demo"))
        XCTAssertFalse(ServiceEnvironment.isDevelopmentToken("b3Zq9x-portal-demo-token", integrator: "portal-demo"))
        XCTAssertTrue(ServiceEnvironment.isDevelopment(["TTHC_DEVELOPMENT": "1"]))
        XCTAssertFalse(ServiceEnvironment.isDevelopment(["TTHC_DEVELOPMENT": "0"]))
        XCTAssertFalse(ServiceEnvironment.isDevelopment([:]))
    }
}
