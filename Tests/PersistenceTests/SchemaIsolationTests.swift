import Persistence
import TestSupport
import XCTest

/// ARCHITECTURE §4: a service's role can use only its own schema.
final class SchemaIsolationTests: XCTestCase {
    func testValidationRoleIsDeniedIntakeSchema() throws {
        let validation = try TestEnvironment.database(role: "validation")
        XCTAssertThrowsError(try validation.execute("SELECT count(*) FROM intake.dossiers")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(error)")
            XCTAssertTrue("\(error)".contains("permission denied"), "\(error)")
        }
    }

    func testServiceRoleCannotCreateInPublic() throws {
        let routing = try TestEnvironment.database(role: "routing")
        XCTAssertThrowsError(try routing.execute("CREATE TABLE public.sneaky (id int)")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "42501", "\(error)")
        }
    }

    func testServiceRoleWorksInItsOwnSchema() throws {
        let payment = try TestEnvironment.database(role: "payment", schema: "payment")
        try payment.execute("CREATE TABLE IF NOT EXISTS isolation_probe (id int)")
        try payment.execute("DROP TABLE isolation_probe")
    }
}
