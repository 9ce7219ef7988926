import Foundation
import TestSupport
import XCTest

/// The README's path for a newcomer (issue 14): after `run.sh`, `tthc-admin organisations simulate`
/// in one shell, `tthc-admin submit-sample` in another without the servers' environment, and the
/// sample dossier reaches its result code.
final class NewcomerPathTests: XCTestCase {
    func testASampleDossierReachesItsResultWithTheTwoAdminCommands() throws {
        // What run.sh seeds (the generated registries), and `tthc-admin organisations simulate`
        // listening first (its durable queue then exists): a step assigned before that finds no
        // queue for its copy, as with real software.
        let world = try DevelopmentWorld()
        defer { world.stop() }
        let admin = TestEnvironment.binDirectory.appendingPathComponent("tthc-admin")

        // No TTHC_DEV_SIGNING_DIRECTORY: tthc-admin finds the development signing CA by itself.
        let (status, output) = try runCommand(admin, ["submit-sample", "--count", "1"],
                                              environment: ["TTHC_DEV_SIGNING_DIRECTORY": ""])
        XCTAssertEqual(status, 0, output)
        XCTAssertFalse(output.contains("warning"), output)
        let submitted = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("submitted ") })
        let clientSubmissionId = String(submitted.dropFirst("submitted ".count))
        var resultCode: String?
        try TestEnvironment.eventually(timeout: 90, "the sample dossier archived") {
            resultCode = try TestEnvironment.superuser().execute("""
                SELECT r.result_code FROM archive.results r JOIN intake.dossiers d ON d.code = r.dossier_code
                WHERE d.client_submission_id = $1
                """, [clientSubmissionId]).first.flatMap { try $0.optionalString("result_code") }
            return resultCode != nil
        }
        XCTAssertFalse(resultCode?.isEmpty ?? true)
    }
}
