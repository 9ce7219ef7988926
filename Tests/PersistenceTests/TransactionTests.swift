import Persistence
import TestSupport
import XCTest

/// `transaction` sends BEGIN with the first statement and `executeDeferred` statements with COMMIT
/// (libpq pipeline mode, issue 13): the guarantees of a transaction must not change with it.
final class TransactionTests: XCTestCase {
    private var db: PostgresConnection!
    private let table = "transaction_probe_\(UInt32.random(in: 0...UInt32.max))"

    override func setUpWithError() throws {
        db = try TestEnvironment.database(role: "payment", schema: "payment")
        try db.execute("CREATE TABLE \(table) (id int PRIMARY KEY, note text)")
    }

    override func tearDownWithError() throws {
        try db?.execute("DROP TABLE IF EXISTS \(table)")
    }

    private func ids() throws -> [Int] {
        try db.execute("SELECT id FROM \(table) ORDER BY id").rows.map { try $0.int("id") }
    }

    func testDeferredWritesAreSeenByLaterStatementsAndCommitTogether() throws {
        let seen = try db.transaction { tx -> [Int] in
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [1, "deferred, then read"])
            // Sent with this read, before it: the transaction reads its own writes.
            let seen = try tx.execute("SELECT id FROM \(table) ORDER BY id").rows.map { try $0.int("id") }
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [2, "sent with COMMIT"])
            return seen
        }
        XCTAssertEqual(seen, [1])
        XCTAssertEqual(try ids(), [1, 2])
    }

    func testADeferredWriteFailsTheStatementItTravelsWith() throws {
        try db.execute("INSERT INTO \(table) VALUES (9, 'already there')")
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [9, "duplicate key"])
            try tx.execute("SELECT 1")
            XCTFail("the statement after a failed deferred write must throw its error")
        }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23505", "\(error)")
        }
        XCTAssertEqual(try ids(), [9])
        XCTAssertFalse(db.inTransaction)
    }

    func testAFailingStatementSentWithCommitRollsEverythingBack() throws {
        try db.execute("INSERT INTO \(table) VALUES (5, 'already there')")
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.execute("INSERT INTO \(table) VALUES ($1, $2)", [3, "would be lost with the commit"])
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [5, "duplicate key"])
        }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "23505", "\(error)")
        }
        XCTAssertEqual(try ids(), [5], "nothing of the failed transaction is kept")
        XCTAssertFalse(db.inTransaction)
        // The connection goes on: a new transaction, with a statement sent with its commit only.
        try db.transaction { tx in try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [6, "alone"]) }
        XCTAssertEqual(try ids(), [5, 6])
    }

    func testAFailingFirstStatementRollsBackAndTheConnectionGoesOn() throws {
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.execute("INSERT INTO \(table) VALUES ($1, $2)", ["not a number", "x"])
        }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22P02", "\(error)")
        }
        XCTAssertFalse(db.inTransaction)
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.execute("INSERT INTO \(table) VALUES ($1, $2)", [7, "kept only if committed"])
            throw CancellationError()  // the body gives up: rolled back
        })
        XCTAssertEqual(try ids(), [])
        let value = try db.transaction { _ in 42 }  // a body that runs nothing sends nothing
        XCTAssertEqual(value, 42)
        XCTAssertFalse(db.inTransaction)
    }

    /// A value libpq cannot send (a NUL) among the statements of one round trip: nothing may be
    /// half sent, so the next transaction on the connection starts clean.
    func testAnUnsendableDeferredWriteLeavesTheConnectionClean() throws {
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [10, "kept only if committed"])
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [11, "a NUL \u{0} inside"])
        }) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22021", "\(error)")
        }
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.execute("INSERT INTO \(table) VALUES ($1, $2)", [12, "BEGIN already sent"])
            try tx.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [13, "another NUL \u{0}"])
        })
        try db.transaction { tx in try tx.execute("INSERT INTO \(table) VALUES ($1, $2)", [14, "next"]) }
        XCTAssertEqual(try ids(), [14])
    }

    func testOutsideATransactionAStatementForCommitRunsAtOnce() throws {
        try db.executeDeferred("INSERT INTO \(table) VALUES ($1, $2)", [8, "autocommit"])
        XCTAssertEqual(try ids(), [8])
    }
}
