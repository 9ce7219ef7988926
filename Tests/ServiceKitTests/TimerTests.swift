import Contracts
import Foundation
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Records each firing as an effect row (no unique key: a double firing would show).
struct ProbeTimer: TimerHandler {
    let kind = "kit.reminder"

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        try context.db.execute("INSERT INTO effects (message_id, label) VALUES ($1, 'timer')", [timer.key])
        try context.emit(EffectHandler.done, subject: timer.key, data: Probe(label: timer.key))
    }
}

/// Fires, and arms itself again for the instant it fired at (a periodic job catching up).
struct RearmingTimer: TimerHandler {
    let kind = "kit.reminder"

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        try context.db.execute("INSERT INTO effects (message_id, label) VALUES ($1, 'timer')", [timer.key])
        try Timers.schedule(kind: kind, key: timer.key, dueAt: context.now, payload: ["note": "lại"], in: context)
    }
}

/// Fires apart from other timers, five per transaction; the timer `bad` writes what PostgreSQL refuses.
struct SharedTransactionTimer: TimerHandler {
    let kind = "kit.reminder"
    var firesAlone: Bool { true }
    var aloneBatchSize: Int { 5 }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        try context.emit(EffectHandler.done, subject: timer.key, data: Probe(label: timer.key))
        try context.db.executeDeferred("INSERT INTO effects (message_id, label) VALUES ($1, $2)",
                                       [timer.key, timer.key == "bad" ? nil : "timer"])
    }
}

final class TimerTests: XCTestCase {
    var harness: PipelineHarness!

    override func setUpWithError() throws { harness = try PipelineHarness() }
    override func tearDown() { harness?.stop() }

    func database() throws -> PostgresConnection {
        let db = try TestEnvironment.superuser()
        try db.execute("SET search_path TO kittest")
        return db
    }

    func schedule(_ timers: [(key: String, dueAt: Date)]) throws {
        let db = try database()
        defer { db.close() }
        try db.transaction { tx in
            let context = HandlerContext(db: tx, service: "kittest", now: Date())
            for timer in timers {
                try Timers.schedule(kind: "kit.reminder", key: timer.key, dueAt: timer.dueAt, payload: ["note": "nhắc hạn"],
                                    in: context)
            }
        }
    }

    func worker(clockOffset: TimeInterval = 0, handler: any TimerHandler = ProbeTimer()) -> TimerWorker {
        let env = harness.env
        return TimerWorker(env: WorkerEnvironment(
            configuration: env.configuration, logger: env.logger, metrics: env.metrics, health: env.health,
            relayWake: env.relayWake, topology: env.topology, clock: ServiceClock(start: Date().addingTimeInterval(clockOffset))),
            handlers: [handler])
    }

    func testATimerItsHandlerArmsAgainEvenForNowStaysPendingAndFiresAgain() throws {
        try schedule([("periodic", Date().addingTimeInterval(-60))])
        let db = try database()
        defer { db.close() }
        XCTAssertEqual(try worker(handler: RearmingTimer()).fireDue(db: db), 1)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.timers WHERE key = 'periodic' AND fired_at IS NULL"), 1,
                       "armed again for the instant it fired: pending, not marked fired")
        XCTAssertEqual(try worker(clockOffset: 1, handler: RearmingTimer()).fireDue(db: db), 1, "and it fires again")
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects WHERE message_id = 'periodic'"), 2)
    }

    func testOneFailingTimerInASharedTransactionIsSetAsideAndTheOthersCommit() throws {
        harness.stop()  // no relay: what the timers emitted stays in the outbox to be read
        let now = Date()
        try schedule([("good-1", now.addingTimeInterval(-30)), ("bad", now.addingTimeInterval(-20)), ("good-2", now.addingTimeInterval(-10))])
        let db = try database()
        defer { db.close() }
        XCTAssertEqual(try worker(handler: SharedTransactionTimer()).fireDue(db: db), 2)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects WHERE message_id IN ('good-1', 'good-2')"), 2,
                       "the others' work is kept")
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects WHERE message_id = 'bad'"), 0)
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM kittest.timers WHERE key = 'bad' AND fired_at IS NULL AND due_at > now() + interval '30 seconds'
            """), 1, "the failing one waits a minute, pending")
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.outbox WHERE convert_from(body, 'UTF8') LIKE '%good-_%'"), 2)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.outbox WHERE convert_from(body, 'UTF8') LIKE '%\"bad\"%'"), 0,
                       "nor is its message announced")
    }

    func testDueTimersFireExactlyOnceAcrossTwoReplicasAndFutureOnesWait() throws {
        let now = Date()
        try schedule((0..<50).map { ("due-\($0)", now.addingTimeInterval(-60)) }
                     + (0..<10).map { ("later-\($0)", now.addingTimeInterval(2 * 3600)) })
        // Two replicas fire concurrently, each with its own connection.
        let replicas = [worker(), worker()]
        DispatchQueue.concurrentPerform(iterations: 2) { i in
            let db = try! TestEnvironment.superuser()
            defer { db.close() }
            try! db.execute("SET search_path TO kittest")
            while (try? replicas[i].fireDue(db: db)) ?? 0 > 0 {}
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects"), 50)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(DISTINCT message_id) AS n FROM kittest.effects"), 50)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.timers WHERE fired_at IS NULL"), 10)

        // Three hours later (a controllable clock): the rest fire, the first ones do not again.
        let db = try database()
        defer { db.close() }
        XCTAssertEqual(try worker(clockOffset: 3 * 3600).fireDue(db: db), 10)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects"), 60)
        try TestEnvironment.eventually("their events published") {
            try TestEnvironment.count("SELECT count(*) AS n FROM kittest.outbox") == 0
        }
    }

    func testSchedulingIsIdempotentAndACancelledTimerNeverFires() throws {
        let past = Date().addingTimeInterval(-1)
        try schedule([("twice", past), ("twice", past), ("cancelled", past)])
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.timers"), 2)
        let db = try database()
        defer { db.close() }
        try db.transaction { tx in
            try Timers.cancel(kind: "kit.reminder", key: "cancelled", in: HandlerContext(db: tx, service: "kittest", now: Date()))
        }
        XCTAssertEqual(try worker().fireDue(db: db), 1)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects WHERE message_id = 'cancelled'"), 0)
    }

    /// A step returned and assigned again, a transfer extended: the same (kind, key) scheduled for a
    /// new time after it fired fires again; scheduled again for the time it already fired at, it does not.
    func testATimerScheduledAgainAfterItFiredFiresAgainOnlyForANewTime() throws {
        let now = Date()
        try schedule([("again", now.addingTimeInterval(-60))])
        let db = try database()
        defer { db.close() }
        XCTAssertEqual(try worker().fireDue(db: db), 1)
        try schedule([("again", now.addingTimeInterval(-60))])
        XCTAssertEqual(try worker().fireDue(db: db), 0, "the same deadline does not fire twice")
        try schedule([("again", now.addingTimeInterval(3600))])
        XCTAssertEqual(try worker(clockOffset: 2 * 3600).fireDue(db: db), 1, "the new deadline fires")
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects WHERE message_id = 'again'"), 2)
    }
}
