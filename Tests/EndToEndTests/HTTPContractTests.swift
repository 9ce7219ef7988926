import Foundation
import ServiceKit
import TestSupport
import XCTest

/// Issue 14: every HTTP edge answers exactly as its OpenAPI document says. Schemathesis (PyPI)
/// generates requests from each document — valid, invalid, undeclared methods — and checks every
/// answer: no server error, only declared statuses and content types, bodies matching the response
/// schemas, invalid data refused, 405 for an undeclared method. One check is left out:
/// `positive_data_acceptance` (a schema-valid submission is accepted), because the catalog's rules
/// (each procedure's form fields and components) are data the JSON Schemas cannot state; the
/// technical check answers those with 422 and every problem (IntakeTests, GuideExampleTests).
final class HTTPContractTests: XCTestCase {
    func schemathesis(_ document: String, port: Int, token: String) throws -> (status: Int32, output: String) {
        try runCommand(URL(fileURLWithPath: "/usr/bin/env"), [
            // Media types Schemathesis cannot generate by itself (a signature's raw bytes).
            "SCHEMATHESIS_HOOKS=schemathesis_hooks",
            "PYTHONPATH=\(TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/local").path)",
            "st", "run", TestEnvironment.repositoryRoot.appendingPathComponent(document).path,
            "--url", "http://127.0.0.1:\(port)", "-H", "Authorization: Bearer \(token)",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "25", "--seed", "14", "--no-color",
        ], directory: FileManager.default.temporaryDirectory)  // its cache stays out of the checkout
    }

    func testEveryEdgeAnswersAsItsOpenAPIDocumentSays() async throws {
        let system = try SystemHarness()
        let edges = ["intake", "validation", "routing", "archive", "payment", "notification"]
        // Notification's SMS delivery-report edge exists when an SMS gateway is configured.
        let sms = ["TTHC_SMS_GATEWAY_URL": "http://127.0.0.1:\(SystemHarness.sandboxPort)", "TTHC_SMS_PARTNER_ID": "TTHC",
                   "TTHC_SMS_SECRET": "contract-test-secret"]
        for service in edges { try system.start(service, environment: service == "notification" ? sms : [:], waitUntilReady: false) }
        for service in edges { try system.processes[service]!.waitUntilReady() }
        defer { _ = try? system.stopAll() }
        let secret = ProcessInfo.processInfo.environment["TTHC_OFFICER_TOKEN_SECRET"] ?? ""
        let officer = try await OfficerTokens(secret: secret).sign(OfficerClaims(
            person: "CB-contract", organisation: system.organisation, role: "officer", expires: Date().addingTimeInterval(3600)))
        for (document, service, token) in [("Services/Intake/HTTP/openapi.yaml", "intake", "portal-test-token"),
                                           ("Services/Routing/HTTP/openapi.yaml", "routing", officer),
                                           ("Services/Validation/HTTP/openapi.yaml", "validation", officer),
                                           ("Services/Archive/HTTP/openapi.yaml", "archive", officer),
                                           ("Services/Payment/HTTP/openapi.yaml", "payment", officer),
                                           ("Services/Notification/HTTP/openapi.yaml", "notification", officer)] {
            let (status, output) = try schemathesis(document, port: SystemHarness.ports[service]!, token: token)
            XCTAssertEqual(status, 0, "\(document):\n\(output.suffix(6000))")
        }
        // What schemathesis checks among others, said plainly: a known path, an undeclared method.
        let answer = try runCommand(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-s", "-i", "-X", "DELETE", "http://127.0.0.1:\(SystemHarness.ports["intake"]!)/v1/dossiers"]).output
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 405"), answer)
        XCTAssertTrue(answer.lowercased().contains("allow: post"), answer)
    }
}
