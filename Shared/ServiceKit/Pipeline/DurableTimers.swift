import Contracts
import Foundation
import Logging
import Persistence
import Synchronization

/// A timer that came due.
public struct DueTimer: Sendable {
    public let kind: String
    public let key: String
    public let dueAt: Date
    /// The JSON given when it was scheduled.
    public let payload: [UInt8]

    public func decode<T: Decodable>(_ type: T.Type) throws -> T { try WireJSON.decode(type, from: payload) }
}

/// Handles due timers of one kind inside a transaction, like a message handler: what it writes and
/// emits commits together with the timer being marked fired, so a timer fires exactly once.
public protocol TimerHandler: Sendable {
    var kind: String { get }
    /// Keys of a periodic timer of this kind that re-arms itself: armed for now whenever the service
    /// starts, so that one moved far ahead (a test's clock) or never armed comes back.
    var armedAtStart: [String] { get }
    /// Fired one per transaction, apart from the batch: a handler that waits on the outside world
    /// (a payment platform's query) holds no other timer, and no lock a batch took, while it waits.
    var firesAlone: Bool { get }
    /// Of a handler that fires alone: how many of its timers one transaction takes (one commit for
    /// several sends to the same provider; a crash repeats them all, so each must be repeatable).
    var aloneBatchSize: Int { get }
    /// True when a timer's key is a dossier's (or PAKN item's) code, alone or before `#`: its
    /// audit entry names that dossier.
    var keyNamesDossier: Bool { get }
    /// Whether a firing is an act for the audit log: every timer but periodic upkeep that changes
    /// nobody's data (checkpoints, re-sealing, document upkeep).
    var audited: Bool { get }
    func fire(_ timer: DueTimer, context: HandlerContext) throws
}

extension TimerHandler {
    public var armedAtStart: [String] { [] }
    public var keyNamesDossier: Bool { false }
    public var audited: Bool { armedAtStart.isEmpty }
    public var firesAlone: Bool { false }
    public var aloneBatchSize: Int { 1 }
}

/// Scheduling, in the caller's transaction (a handler's or an HTTP request's).
public enum Timers {
    /// Schedules a timer, or moves it if (kind, key) is already scheduled and has not fired. One
    /// that fired is armed again for a time after it fired (a step assigned again, a period
    /// extended), never for the time it already fired for.
    public static func schedule<Payload: Encodable>(kind: String, key: String, dueAt: Date, payload: Payload,
                                                    in context: HandlerContext) throws {
        try context.db.executeDeferred("""
            INSERT INTO timers (kind, key, due_at, payload) VALUES ($1, $2, $3::timestamptz, $4::jsonb)
            ON CONFLICT (kind, key) DO UPDATE SET due_at = excluded.due_at, payload = excluded.payload, fired_at = NULL
            WHERE timers.fired_at IS NULL OR excluded.due_at > timers.fired_at
            """, [kind, key, dueAt, try JSONText(payload)])
    }

    /// Cancels a timer that has not fired (e.g. the supplement arrived before the deadline).
    public static func cancel(kind: String, key: String, in context: HandlerContext) throws {
        try cancel(kinds: [kind], key: key, in: context)
    }

    /// Cancels the timers of `kinds` for one key that have not fired, in one statement.
    public static func cancel(kinds: [String], key: String, in context: HandlerContext) throws {
        try context.db.executeDeferred("DELETE FROM timers WHERE kind = ANY($1::text[]) AND key = $2 AND fired_at IS NULL",
                               [PostgresArray(kinds), key])
    }
}

/// Fires due timers: a batch per transaction, locked with SKIP LOCKED so replicas share the work
/// without firing a timer twice. "Now" is the service clock (TTHC_CLOCK_START in tests).
public final class TimerWorker: Sendable {
    let env: WorkerEnvironment
    let handlers: [String: any TimerHandler]
    let name = "timers"
    let batchLimit = 200
    private let turns = Atomic<Int>(0)

    public init(env: WorkerEnvironment, handlers: [any TimerHandler]) {
        self.env = env
        var byKind: [String: any TimerHandler] = [:]
        for handler in handlers { byKind[handler.kind] = handler }
        self.handlers = byKind
    }

    public func run(stop: StopFlag) {
        var logger = env.logger
        logger[metadataKey: "worker"] = .string(name)
        var backoff: TimeInterval = 0.2
        env.health.set(name, up: false)
        defer { env.health.set(name, up: false) }
        var armed = false
        while !stop.isSet {
            do {
                let db = try env.openDatabase()
                defer { db.close() }
                if !armed {
                    try armPeriodic(db: db)
                    armed = true
                }
                env.health.set(name, up: true)
                backoff = 0.2
                while !stop.isSet {
                    if try fireDue(db: db) < batchLimit { stop.wait(1) }
                }
            } catch {
                env.health.set(name, up: false)
                logger.warning("timer worker failed, retrying", metadata: ["error": .string("\(error)")])
                stop.wait(backoff)
                backoff = min(backoff * 2, 10)
            }
        }
    }

    /// Arms the periodic timers (`armedAtStart`) for now.
    func armPeriodic(db: PostgresConnection) throws {
        let periodic = handlers.values.flatMap { handler in handler.armedAtStart.map { (handler.kind, $0) } }
        guard !periodic.isEmpty else { return }
        let now = env.clock.now
        try db.transaction { tx in
            let context = HandlerContext(db: tx, service: env.configuration.service, now: now)
            for (kind, key) in periodic { try Timers.schedule(kind: kind, key: key, dueAt: now, payload: [String: String](), in: context) }
        }
    }

    /// Fires the timers due now (those that fire alone one per transaction); returns how many.
    @discardableResult
    public func fireDue(db: PostgresConnection) throws -> Int {
        // Each turn starts with the next kind, so that a busy one never starves another.
        var aloneHandlers = handlers.values.filter(\.firesAlone).sorted { $0.kind < $1.kind }
        if !aloneHandlers.isEmpty {
            let start = turns.add(1, ordering: .relaxed).oldValue % aloneHandlers.count
            aloneHandlers = Array(aloneHandlers[start...] + aloneHandlers[..<start])
        }
        let alone = aloneHandlers.map(\.kind)
        let fired = try fireDue(db: db, kinds: alone, alone: false, limit: batchLimit)
        guard !alone.isEmpty else { return fired }
        // A bounded turn (2 s) for the slow ones, so the batch (a monthly close, deadlines) is not held back.
        var single = 0, drained = true
        let turn = ContinuousClock.now.advanced(by: .seconds(2))
        for handler in aloneHandlers {
            let size = max(1, handler.aloneBatchSize)
            while true {
                guard single < batchLimit, ContinuousClock.now < turn else { drained = false; break }
                let n = try fireDue(db: db, kinds: [handler.kind], alone: true, limit: size)
                single += n
                if n < size { break }
            }
        }
        // A turn that ended with some still due is a full one: the caller comes back at once.
        return drained ? fired + single : max(fired + single, batchLimit)
    }

    /// One transaction: up to `limit` due timers of the `kinds` (`alone`) or of every other kind.
    func fireDue(db: PostgresConnection, kinds: [String], alone: Bool, limit: Int) throws -> Int {
        let now = env.clock.now
        let (fired, spans) = try db.transaction { tx -> (Int, [TraceSpan]) in
            let rows = try tx.execute("""
                SELECT id, kind, key, payload::text AS payload, due_at::text AS due_exact,
                       \(rfc3339SQL("due_at")) AS due_at
                FROM timers WHERE fired_at IS NULL AND due_at <= $1::timestamptz
                  AND (kind = ANY($3::text[])) = $4
                ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
                """, [now, limit, PostgresArray(kinds), alone]).rows
            guard !rows.isEmpty else { return (0, []) }
            let context = HandlerContext(db: tx, service: env.configuration.service, now: now)
            context.metrics = env.metrics
            // Several timers of a kind that fires alone share the transaction: each fires within a
            // savepoint, so that one that fails (its data, say) is set aside for later instead of
            // undoing the others' work, which went to the outside world and would be repeated.
            let contained = alone && limit > 1
            var ids: [Int] = [], dues: [String] = []
            var audit: [AuditEntry] = []
            for row in rows {
                let timer = DueTimer(kind: try row.string("kind"), key: try row.string("key"),
                                     dueAt: WireJSON.parseTimestamp(try row.string("due_at")) ?? now,
                                     payload: Array(try row.string("payload").utf8))
                guard let handler = handlers[timer.kind] else {
                    // A kind nobody handles stays pending (and visible) rather than vanishing.
                    env.logger.warning("no handler for timer kind", metadata: ["kind": .string(timer.kind)])
                    continue
                }
                if contained {
                    let (emitted, audited) = (context.emitted.count, context.auditEntries.count)
                    try tx.execute("SAVEPOINT timer_fire")
                    do {
                        try handler.fire(timer, context: context)
                        try tx.execute("RELEASE SAVEPOINT timer_fire")  // sends its deferred writes: their errors surface here
                    } catch let error as PostgresError where !error.connectionLost {
                        try tx.execute("ROLLBACK TO SAVEPOINT timer_fire")
                        context.discardEmitted(after: emitted, audited: audited)
                        env.logger.error("timer failed, set aside for a minute", metadata: [
                            "kind": .string(timer.kind), "key": .string(timer.key), "error": .string("\(error)")])
                        try tx.execute("UPDATE timers SET due_at = $2::timestamptz WHERE id = $1", [try row.int("id"), now.addingTimeInterval(60)])
                        continue
                    }
                } else {
                    try handler.fire(timer, context: context)
                }
                ids.append(try row.int("id"))
                dues.append(try row.string("due_exact"))
                // The service's own acts are audited like anyone's (`audited`).
                if handler.audited {
                    audit.append(.timer(timer, service: env.configuration.service,
                                        dossierCode: handler.keyNamesDossier ? String(timer.key.prefix { $0 != "#" }) : nil,
                                        note: context.auditNotes["timer:\(timer.kind):\(timer.key)"], at: now))
                }
            }
            try AuditLog.append(audit + context.auditEntries, db: tx)
            // A handler that armed its own timer again (a retry, a periodic job, even for now)
            // moved its due time: it stays pending. Only a timer still due when it was read is fired.
            try tx.executeDeferred("""
                UPDATE timers t SET fired_at = $3::timestamptz
                FROM unnest($1::bigint[], $2::timestamptz[]) AS f(id, due) WHERE t.id = f.id AND t.due_at = f.due
                """, [PostgresArray(ids), PostgresArray(dues), now])
            try Outbox.insert(context.emitted, tx: tx)
            return (ids.count, context.emittedSpans)
        }
        spans.forEach { $0.end() }
        if fired > 0 {
            env.metrics.committed("timers")
            env.relayWake.signal()
        }
        return fired
    }
}
