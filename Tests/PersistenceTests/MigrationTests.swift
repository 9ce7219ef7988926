import Foundation
import Logging
import Persistence
import TestSupport
import XCTest

final class MigrationTests: XCTestCase {
    let schema = "migration_test"

    override func setUpWithError() throws {
        let db = try TestEnvironment.superuser()
        try db.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        try db.execute("CREATE SCHEMA \(schema)")
        db.close()
    }

    func connection() throws -> PostgresConnection {
        try TestEnvironment.superuser().withSearchPath(schema)
    }

    func testMigrationsApplyOnceInOrder() throws {
        let db = try connection()
        let runner = MigrationRunner(schema: schema, logger: Logger(label: "test"))
        let migrations = [
            Migration(scope: "service", version: 1, name: "a", sql: "CREATE TABLE a (id int); CREATE TABLE b (id int);"),
            Migration(scope: "service", version: 2, name: "c", sql: "INSERT INTO a VALUES (1);"),
        ]
        XCTAssertEqual(try runner.run(migrations, on: db).count, 2)
        XCTAssertEqual(try runner.run(migrations, on: db).count, 0, "a second start applies nothing")
        XCTAssertEqual(try db.execute("SELECT count(*) AS n FROM a").first?.int("n"), 1)
    }

    func testEditedAppliedMigrationIsAnError() throws {
        let db = try connection()
        let runner = MigrationRunner(schema: schema, logger: Logger(label: "test"))
        try runner.run([Migration(scope: "service", version: 1, name: "a", sql: "CREATE TABLE a (id int);")], on: db)
        XCTAssertThrowsError(try runner.run(
            [Migration(scope: "service", version: 1, name: "a", sql: "CREATE TABLE a (id bigint);")], on: db)) { error in
            XCTAssertEqual(error as? MigrationError, .checksumMismatch(scope: "service", version: 1, name: "a"))
        }
    }

    func testAnEditDeclaringTheFormerChecksumIsAcceptedAndTheOldTextStillStarts() throws {
        let db = try connection()
        let runner = MigrationRunner(schema: schema, logger: Logger(label: "test"))
        let before = Migration(scope: "service", version: 1, name: "a",
                               sql: "CREATE TABLE a (id int);\nCREATE TABLE audit_log (id int);")
        try runner.run([before], on: db)
        // The table moved to a shared scope that creates it only where it is missing.
        let shared = Migration(scope: "audit_log", version: 1, name: "audit_log", sql: "CREATE TABLE IF NOT EXISTS audit_log (id int);")
        let after = Migration(scope: "service", version: 1, name: "a",
                              sql: "-- former-checksum: \(before.checksum)\nCREATE TABLE a (id int);")
        XCTAssertEqual(try runner.run([shared, after], on: db).map(\.scope), ["audit_log"])
        XCTAssertEqual(try runner.run([shared, after], on: db).count, 0, "the next start applies nothing either")
        XCTAssertEqual(try runner.run([before], on: db).count, 0, "a replica of the previous version still starts")
        let other = Migration(scope: "service", version: 1, name: "a",
                              sql: "-- former-checksum: \(String(repeating: "0", count: 64))\nCREATE TABLE a (id int);")
        XCTAssertThrowsError(try runner.run([other], on: db), "a checksum it does not declare is still refused")
    }

    func testFailedMigrationLeavesNothingBehind() throws {
        let db = try connection()
        let runner = MigrationRunner(schema: schema, logger: Logger(label: "test"))
        XCTAssertThrowsError(try runner.run(
            [Migration(scope: "service", version: 1, name: "bad", sql: "CREATE TABLE a (id int); SELECT * FROM missing;")],
            on: db))
        XCTAssertEqual(try db.execute("SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'a'",
                                      [schema]).first?.int("n"), 0)
    }

    func testServiceMigrationFilesLoadSortedByNumber() throws {
        let folder = TestEnvironment.repositoryRoot.appendingPathComponent("Services/Intake/Migrations")
        let migrations = try Migration.load(scope: "service", from: folder)
        XCTAssertEqual(migrations.first?.version, 1)
        XCTAssertEqual(migrations.map(\.version), migrations.map(\.version).sorted())
    }
}

final class ParameterTests: XCTestCase {
    func testParametersTravelApartFromSQL() throws {
        let db = try TestEnvironment.superuser()
        let hostile = "x'); DROP TABLE pg_class; --"
        XCTAssertEqual(try db.execute("SELECT $1::text AS v", [hostile]).first?.string("v"), hostile)
        let array = try db.execute("SELECT array_length($1::text[], 1) AS n, ($1::text[])[2] AS second",
                                   [PostgresArray(["a\"b", "c\\d,{e}", nil])]).first!
        XCTAssertEqual(try array.int("n"), 3)
        XCTAssertEqual(try array.string("second"), "c\\d,{e}")
        let bytes: [UInt8] = [0, 1, 0xfe, 0xff]
        XCTAssertEqual(try db.execute("SELECT $1::bytea AS b", [ByteA(bytes)]).first?.bytes("b"), bytes)
    }

    func testErrorsCarrySQLStateAndTransience() throws {
        let db = try TestEnvironment.superuser()
        XCTAssertThrowsError(try db.execute("SELECT 1/0")) { error in
            let pg = error as? PostgresError
            XCTAssertEqual(pg?.sqlState, "22012")
            XCTAssertEqual(pg?.isTransient, false)
        }
        XCTAssertThrowsError(try db.execute("DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '40001'; END $$")) { error in
            XCTAssertEqual((error as? PostgresError)?.isTransient, true)
        }
    }
}

extension PostgresConnection {
    func withSearchPath(_ schema: String) throws -> PostgresConnection {
        try execute("SET search_path TO \(schema)")
        return self
    }
}
