import Contracts
import Foundation
import Logging
import Messaging
import Persistence
import Synchronization

enum Outbox {
    /// Writes a batch of outgoing messages in one statement, deferred: it travels with the
    /// transaction's next statement or its COMMIT.
    static func insert(_ messages: [OutgoingMessage], tx: PostgresConnection) throws {
        guard !messages.isEmpty else { return }
        let headers = try messages.map { message -> String in
            String(decoding: try JSONSerialization.data(withJSONObject: message.headers, options: [.sortedKeys]), as: UTF8.self)
        }
        try tx.executeDeferred("""
            INSERT INTO outbox (message_id, exchange, routing_key, message_type, content_type, correlation_id, headers, body, created_at)
            SELECT *, clock_timestamp() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::bytea[])
            """, [PostgresArray(messages.map(\.messageId)), PostgresArray(messages.map(\.exchange)),
                  PostgresArray(messages.map(\.routingKey)), PostgresArray(messages.map(\.type)),
                  PostgresArray(messages.map(\.contentType)), PostgresArray(messages.map(\.correlationId)),
                  PostgresArray(headers), PostgresArray(messages.map { ByteA($0.body).postgresText })])
    }
}

/// Publishes outbox rows with publisher confirms, a batch at a time, and deletes them once the
/// broker confirmed them. One relay per schema publishes at a time (advisory lock), which keeps
/// the order of each aggregate's messages. A crash between confirm and delete republishes:
/// consumers' inboxes absorb the duplicates.
public final class OutboxRelay: Sendable {
    let env: WorkerEnvironment
    let batchLimit = 1000
    let name = "outbox-relay"
    /// After the broker refused a publish (closing the channel), rows go one at a time until the
    /// refused one is found and set aside, so that one row can never stop the schema's outbox.
    private let singleRows = Atomic<Bool>(false)

    public init(env: WorkerEnvironment) { self.env = env }

    public func run(stop: StopFlag) {
        var logger = env.logger
        logger[metadataKey: "worker"] = .string(name)
        var lastBacklogCheck = Date.distantPast
        var lastInboxPrune = Date.distantPast
        var idlePoll = Self.firstIdlePoll
        // After stop (consumers have stopped first) keep going until the outbox is empty, with a bound.
        var drainDeadline: Date?
        func draining() -> Bool {
            if drainDeadline == nil { drainDeadline = Date().addingTimeInterval(TimeInterval(env.configuration.shutdownDrainSeconds)) }
            return Date() < drainDeadline!
        }
        env.withConnections(worker: name, kind: "relay", logger: logger, stop: stop, keepGoingAfterStop: draining) {
            db, connection in
            try connection.enableConfirms()
            // The outbox is a queue table: after a burst it is many pages of dead rows with stale
            // statistics, and the planner then reads them all (a sequential scan) to find the few
            // live rows, where the primary key's index finds them at once.
            try db.execute("SET enable_seqscan = off")
            return { [self] in
                while true {
                    let (published, full) = try publishBatch(db: db, amqp: connection)
                    if Date().timeIntervalSince(lastBacklogCheck) > 2 {
                        let backlog = try db.execute("SELECT count(*) AS n FROM outbox").first?.int("n") ?? 0
                        env.metrics.outboxBacklog(backlog)
                        lastBacklogCheck = Date()
                    }
                    if Date().timeIntervalSince(lastInboxPrune) > 3600 {
                        try self.pruneInbox(db)
                        try self.pruneDeadLetters(db)
                        lastInboxPrune = Date()
                    }
                    if full { continue }
                    if stop.isSet {
                        if published == 0 || !draining() { return true }
                        continue
                    }
                    // This process's commits wake the relay at once; the poll is for rows other
                    // processes wrote (another replica whose relay lost the lock, tthc-admin), so
                    // an idle relay polls less and less often (0.1 s doubling to 1 s) instead of
                    // ten transactions a second (most of PostgreSQL's idle CPU).
                    let woken = env.relayWake.wait(timeout: idlePoll)
                    idlePoll = woken || published > 0 ? Self.firstIdlePoll : min(idlePoll * 2, Self.longestIdlePoll)
                    try connection.poll()
                }
            }
        }
        logger.info("outbox relay stopped")
    }

    /// Forgets handled message ids older than the retention window, a bounded slice at a time
    /// so that the deletion never holds locks for long.
    public func pruneInbox(_ db: PostgresConnection) throws {
        try db.execute("""
            DELETE FROM inbox WHERE message_id IN (
                SELECT message_id FROM inbox WHERE handled_at < now() - make_interval(days => $1) LIMIT 10000)
            """, [env.configuration.inboxRetentionDays])
    }

    /// Forgets the records of dead letters older than their retention (TTHC_DEAD_LETTER_RETENTION_DAYS),
    /// a bounded slice at a time; never a message the broker refused from the outbox, whose only
    /// copy is its row here.
    public func pruneDeadLetters(_ db: PostgresConnection) throws {
        try db.execute("""
            DELETE FROM dead_letters WHERE id IN (
                SELECT id FROM dead_letters WHERE dead_lettered_at < now() - make_interval(days => $1)
                AND source_queue NOT LIKE 'outbox:%' LIMIT 10000)
            """, [env.configuration.deadLetterRetentionDays])
    }

    /// Publishes up to `batchLimit` rows (one at a time after a refusal); returns how many, and
    /// whether the batch was full (more may be waiting). A row the broker refuses (an exchange
    /// or routing key it will not take: 403, 404, 406) is moved to `dead_letters` as
    /// `publish-refused` once it is the only one published, and the relay goes on.
    func publishBatch(db: PostgresConnection, amqp: AMQPConnection) throws -> (published: Int, full: Bool) {
        let alone = singleRows.load(ordering: .relaxed)
        let limit = alone ? 1 : batchLimit
        var attempted: [Int] = []
        do {
            let published = try publish(limit: limit, db: db, amqp: amqp, attempted: &attempted)
            return (published, published == limit)
        } catch let error as AMQPError {
            guard case .closedByBroker(let code, let text) = error, [403, 404, 406].contains(code) else { throw error }
            if alone, let id = attempted.first {
                try setAside(id, reason: "the broker refused it: \(code) \(text)", db: db)
                singleRows.store(false, ordering: .relaxed)
            } else {
                singleRows.store(true, ordering: .relaxed)
            }
            throw error  // the channel is closed: reconnect
        }
    }

    private func setAside(_ id: Int, reason: String, db: PostgresConnection) throws {
        env.logger.error("outbox row refused by the broker, set aside as a dead letter", metadata: [
            "outboxId": .stringConvertible(id), "reason": .string(reason)])
        try db.transaction { tx in
            try tx.execute("""
                INSERT INTO dead_letters (message_id, message_type, error_code, reason, source_queue, body, body_sha256, body_bytes)
                SELECT message_id, message_type, 'publish-refused', $2, 'outbox:' || exchange || '/' || routing_key, body,
                       encode(sha256(body), 'hex'), length(body)
                FROM outbox WHERE id = $1
                """, [id, WireText.storable(reason)])
            try tx.execute("DELETE FROM outbox WHERE id = $1", [id])
        }
        env.metrics.deadLettered(type: "outbox", code: "publish-refused")
    }

    static let firstIdlePoll: TimeInterval = 0.1
    /// Also bounds how long a shutdown waits for an idle relay to notice it.
    static let longestIdlePoll: TimeInterval = 1

    /// Milliseconds since 1970 at publish, for the consumer's queue-wait figure.
    static let publishedAtHeader = "x-tthc-published-at-ms"

    private func publish(limit: Int, db: PostgresConnection, amqp: AMQPConnection, attempted: inout [Int]) throws -> Int {
        let published = try db.transaction { tx -> Int in
            // The lock travels with BEGIN; the rows are read in a statement of their own, whose
            // snapshot is taken once the lock is held (a relay that held it has committed).
            let lock = try tx.execute("SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked",
                                      ["tthc.outbox.\(env.configuration.databaseSchema)"])
            guard try lock.first?.bool("locked") == true else { return 0 }
            // Commits signalled until now are covered by the SELECT below: forgetting their signals
            // saves the empty pass that would follow (a transaction per hop). Not before the lock:
            // a pass that did not get it covers nothing.
            env.relayWake.drain()
            let rows = try tx.execute("""
                SELECT id, message_id, exchange, routing_key, message_type, content_type, correlation_id,
                       headers::text AS headers, body, extract(epoch FROM created_at)::float8 AS created
                FROM outbox ORDER BY id LIMIT $1
                """, [limit]).rows
            guard !rows.isEmpty else { return 0 }
            var ids: [Int] = []
            var types: [String: Int] = [:]
            let user = amqp.url.user
            let publishedAt = Date()
            for row in rows {
                let headerObject = try JSONSerialization.jsonObject(with: Data(try row.string("headers").utf8))
                var headers: [String: AMQPValue] = [:]
                for (key, value) in headerObject as? [String: String] ?? [:] { headers[key] = .string(value) }
                headers[Self.publishedAtHeader] = .int(Int64(publishedAt.timeIntervalSince1970 * 1000))
                let type = try row.string("message_type")
                attempted.append(try row.int("id"))
                try amqp.publish(
                    exchange: try row.string("exchange"), routingKey: try row.string("routing_key"),
                    body: try row.bytes("body"),
                    properties: MessageProperties(
                        messageId: try row.string("message_id"), type: type,
                        contentType: try row.string("content_type"), appId: env.configuration.service, userId: user,
                        correlationId: try row.optionalString("correlation_id"), timestamp: Date(), persistent: true,
                        headers: headers))
                ids.append(try row.int("id"))
                types[type, default: 0] += 1
            }
            try amqp.waitForConfirms()
            let confirmed = Date().timeIntervalSince1970
            env.metrics.relayLag(try rows.map { max(0, confirmed - (Double(try $0.string("created")) ?? confirmed)) })
            try tx.executeDeferred("DELETE FROM outbox WHERE id = ANY($1::bigint[])", [PostgresArray(ids)])
            for (type, n) in types { env.metrics.published(type: type, count: n) }
            return rows.count
        }
        // Counted even when empty: a pass that finds nothing is still a transaction (issue 13).
        env.metrics.committed("relay")
        return published
    }
}
