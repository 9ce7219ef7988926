import Contracts
import Foundation
import Logging
import Messaging
import Persistence
import Signatures

/// Consumes one queue: a batch of deliveries is handled in one transaction (inbox, state,
/// outbox), committed, then acknowledged. A crash anywhere before the ack redelivers; the inbox
/// makes the effect happen once (ARCHITECTURE §3).
public final class ConsumerWorker: Sendable {
    let env: WorkerEnvironment
    let queue: QueueSpec
    let handlers: [MessageType: any MessageHandler]
    let name: String

    public init(env: WorkerEnvironment, queue: QueueSpec, handlers: [any MessageHandler], index: Int) {
        self.env = env
        self.queue = queue
        var byType: [MessageType: any MessageHandler] = [:]
        for handler in handlers { byType[handler.messageType] = handler }
        self.handlers = byType
        self.name = "consumer:\(queue.name)#\(index)"
    }

    var logger: Logger {
        var logger = env.logger
        logger[metadataKey: "worker"] = .string(name)
        return logger
    }

    /// Runs until `stop` is set; reconnects with back-off when the broker or database fails.
    public func run(stop: StopFlag) {
        let logger = self.logger
        env.withConnections(worker: name, kind: "consumer", logger: logger, stop: stop) { db, connection in
            try env.topology.declare(on: connection)
            try connection.setPrefetch(env.configuration.prefetch)
            try connection.consume(queue: queue.name)
            logger.info("consuming", metadata: ["queue": .string(queue.name)])
            return { [self] in
                // Per channel: a new connection starts with nothing outstanding.
                var ledger = DeliveryLedger()
                while !stop.isSet {
                    let batch = try collectBatch(connection, ledger: &ledger)
                    if batch.isEmpty { continue }
                    try process(batch, db: db, amqp: connection, ledger: &ledger)
                }
                // Unacknowledged prefetched deliveries return to the queue when the channel closes.
                return true
            }
        }
        logger.info("consumer stopped")
    }

    /// Waits briefly for a first delivery, then takes whatever is already buffered, up to a batch.
    private func collectBatch(_ connection: AMQPConnection, ledger: inout DeliveryLedger) throws -> [Delivery] {
        guard let first = try connection.nextDelivery(timeout: 0.25) else { return [] }
        var batch = [first]
        while batch.count < env.configuration.batchSize, let next = try connection.nextDelivery(timeout: 0) {
            batch.append(next)
        }
        for delivery in batch { ledger.received(delivery.deliveryTag) }
        return batch
    }

    /// Acknowledges exactly these deliveries: never one that was not handled (ARCHITECTURE §3).
    private func acknowledge(_ deliveries: [Delivery], amqp: AMQPConnection, ledger: inout DeliveryLedger) throws {
        for ack in ledger.acknowledge(deliveries.map(\.deliveryTag)) {
            switch ack {
            case .single(let tag): try amqp.ack(tag)
            case .upTo(let tag): try amqp.ack(tag, multiple: true)
            }
        }
    }

    // MARK: Processing

    private func process(_ batch: [Delivery], db: PostgresConnection, amqp: AMQPConnection,
                         ledger: inout DeliveryLedger) throws {
        let started = ContinuousClock.now
        let classified = batch.map(classify)
        do {
            // Fast path: the whole batch in one transaction, acknowledged with one ack. A deadlock
            // or serialization conflict with another replica's batch is not the messages' fault:
            // the whole batch is tried again (a few times) before being taken apart.
            var conflicts = 0
            var counts: Counts
            while true {
                do {
                    counts = try db.transaction { tx in try handle(classified, in: tx) }
                    break
                } catch let error as PostgresError where !error.connectionLost && error.isTransient && conflicts < 3 {
                    conflicts += 1
                    env.metrics.batchConflict()
                }
            }
            committed(counts)
            FaultInjection.point(.afterCommit, env.configuration.faultInjection)
            try acknowledge(batch, amqp: amqp, ledger: &ledger)
            record(counts, started: started, batchSize: batch.count)
            recordQueueWait(batch)
        } catch let error as PostgresError where error.connectionLost {
            throw error
        } catch let error as AMQPError {
            // The broker, not the messages: reconnect; unacknowledged deliveries come back.
            throw error
        } catch {
            // One message spoiled the batch (or the database hiccupped): isolate each message.
            env.metrics.batchFallback()
            logger.info("batch failed, handling its messages one by one",
                        metadata: ["error": .string("\(error)"), "size": .stringConvertible(batch.count)])
            for item in classified {
                try processAlone(item, db: db, amqp: amqp, ledger: &ledger)
            }
        }
    }

    private func processAlone(_ item: Classified, db: PostgresConnection, amqp: AMQPConnection,
                              ledger: inout DeliveryLedger) throws {
        let delivery: Delivery
        switch item {
        case .handle(let m): delivery = m.delivery
        case .deadLetter(let d, _): delivery = d
        }
        let attempts = env.configuration.handlerAttempts
        for attempt in 1...attempts {
            let started = ContinuousClock.now
            do {
                let counts = try db.transaction { tx in try handle([item], in: tx) }
                committed(counts)
                FaultInjection.point(.afterCommit, env.configuration.faultInjection)
                try acknowledge([delivery], amqp: amqp, ledger: &ledger)
                record(counts, started: started, batchSize: 1)
                return
            } catch let error as PostgresError where error.connectionLost {
                throw error
            } catch let error as AMQPError {
                throw error
            } catch let error as PostgresError where error.isConflictBetweenWriters && attempt == 1 && attempts > 1 {
                // Another replica may have written the same key meanwhile: once more before judging.
                env.metrics.failed(type: delivery.properties.type ?? "unknown")
            } catch let error where PermanentFailure(error) != nil {
                // The message itself can never succeed (a rule, or data PostgreSQL refuses):
                // dead-lettered now with its reason, not retried up to the delivery limit.
                let failure: PermanentFailure
                switch item {
                case .handle: failure = PermanentFailure(error)!
                case .deadLetter(_, let original):
                    // Even recording it failed: the broker dead-letters it (x-death), nothing loops.
                    logger.error("dead letter not recordable, rejected to the broker's dead-lettering", metadata: [
                        "code": .string(original.code), "error": .string("\(error)")].merging(Tracing.logMetadata(delivery)) { $1 })
                    try amqp.reject(delivery.deliveryTag, requeue: false)
                    ledger.rejected(delivery.deliveryTag)
                    return
                }
                let counts = try db.transaction { tx in try handle([.deadLetter(delivery, failure)], in: tx) }
                committed(counts)
                try acknowledge([delivery], amqp: amqp, ledger: &ledger)
                record(counts, started: started, batchSize: 1)
                return
            } catch {
                env.metrics.failed(type: delivery.properties.type ?? "unknown")
                if attempt == attempts {
                    // Back to the queue: the quorum queue counts deliveries and dead-letters the
                    // message past its delivery limit, so a poison message cannot loop forever.
                    logger.warning("handler failed, message requeued", metadata: [
                        "messageId": .string(delivery.properties.messageId ?? "?"), "error": .string("\(error)"),
                    ].merging(Tracing.logMetadata(delivery)) { $1 })
                    try amqp.reject(delivery.deliveryTag, requeue: true)
                    ledger.rejected(delivery.deliveryTag)
                    return
                }
                logger.info("handler failed, retrying", metadata: [
                    "attempt": .stringConvertible(attempt), "error": .string("\(error)"),
                ].merging(Tracing.logMetadata(delivery)) { $1 })
                // Heartbeats are served while waiting; deliveries arriving meanwhile stay buffered.
                let pause = 0.05 * Double(1 << (2 * (attempt - 1)))  // 50 ms, 200 ms, 800 ms...
                let until = ContinuousClock.now + .milliseconds(Int(pause * 1000))
                repeat { try amqp.poll(timeout: 0.05) } while ContinuousClock.now < until
            }
        }
    }

    struct Counts {
        var handled: [String: Int] = [:]
        var duplicates: [String] = []
        var deadLettered: [(type: String, code: String)] = []
        /// Rows written to the outbox: only then is the relay woken (a read model such as intake's
        /// timeline emits nothing, and an empty relay pass is a transaction of its own).
        var emitted = 0
        /// The messages' processing spans and their emitted messages' spans, ended after the commit.
        var spans: [TraceSpan] = []
    }

    /// Inside one transaction: dead letters recorded, duplicates skipped through the inbox,
    /// handlers run, their messages written to the outbox.
    private func handle(_ items: [Classified], in tx: PostgresConnection) throws -> Counts {
        var counts = Counts()
        var outgoing: [OutgoingMessage] = []
        var messages: [IncomingMessage] = []
        // Every message handled or dead-lettered is an entry of the audit log (issue 21).
        var audit: [AuditEntry] = []
        let now = env.clock.now
        for item in items {
            switch item {
            case .handle(let message): messages.append(message)
            case .deadLetter(let delivery, let failure):
                outgoing += try deadLetterMessages(delivery, failure, tx: tx)
                counts.deadLettered.append((delivery.properties.type ?? "unknown", failure.code))
                // A message a handler refused comes here too, without its header: read again (rare).
                audit.append(.message(delivery, header: try? WireJSON.decode(EnvelopeHeader.self, from: delivery.body), note: nil,
                                      queue: queue.name, at: now, deadLettered: failure))
            }
        }
        if !messages.isEmpty {
            // Messages of handlers idempotent by message id go straight to them; the others
            // through the inbox, which skips what was handled before.
            let skipsInbox = messages.map { handlers[$0.type]?.idempotentByMessageId == true }
            let inboxed = zip(messages, skipsInbox).filter { !$0.1 }.map(\.0)
            let digests = inboxed.map { sha256($0.delivery.body) }
            var fresh: Set<String> = []
            if !inboxed.isEmpty {
                let inserted = try tx.execute("""
                    INSERT INTO inbox (message_id, message_type, content_sha256)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT DO NOTHING RETURNING message_id
                    """, [PostgresArray(inboxed.map(\.id)), PostgresArray(inboxed.map(\.type.routingKey)),
                          PostgresArray(digests.map { ByteA($0).postgresText })])
                fresh = Set(try inserted.rows.map { try $0.string("message_id") })
            }
            let conflicting = try conflictingDuplicates(inboxed, digests: digests, fresh: fresh, tx: tx)
            var toHandle: [IncomingMessage] = []
            var repeats: [IncomingMessage] = []  // handled before: only answered again
            var inboxIndex = 0  // the message's index in `inboxed`
            for (message, skips) in zip(messages, skipsInbox) {
                guard !skips else {
                    toHandle.append(message)
                    counts.handled[message.type.routingKey, default: 0] += 1
                    continue
                }
                let index = inboxIndex
                inboxIndex += 1
                guard fresh.remove(message.id) != nil else {
                    if let failure = conflicting[index] {
                        outgoing += try deadLetterMessages(message.delivery, failure, tx: tx)
                        counts.deadLettered.append((message.type.routingKey, failure.code))
                        audit.append(.message(message.delivery, header: message.header, note: nil, queue: queue.name, at: now,
                                              deadLettered: failure))
                    } else {
                        counts.duplicates.append(message.type.routingKey)
                        repeats.append(message)
                    }
                    continue
                }
                toHandle.append(message)
                counts.handled[message.type.routingKey, default: 0] += 1
            }
            let context = HandlerContext(db: tx, service: env.configuration.service, now: now)
            // Each message's processing is a span, ended (exported) once the transaction commits.
            for message in toHandle {
                let span = TraceExport.start("process \(message.type.routingKey)", kind: .consumer, parent: message.traceparent,
                                             attributes: ["messaging.system": "rabbitmq", "messaging.operation.type": "process",
                                                          "messaging.destination.name": queue.name, "messaging.message.id": message.id])
                context.processing[message.id] = span.traceparent
                counts.spans.append(span)
            }
            // Runs of one type keep the delivery order between types; a batch handler takes a run at once.
            var start = 0
            while start < toHandle.count {
                var end = start + 1
                while end < toHandle.count, toHandle[end].type == toHandle[start].type { end += 1 }
                let run = Array(toHandle[start..<end])
                let handler = handlers[run[0].type]!
                if let batchHandler = handler as? any BatchMessageHandler {
                    context.traceparent = nil  // its messages name their causes
                    try batchHandler.handle(batch: run, context: context)
                } else {
                    for message in run {
                        context.traceparent = context.processing[message.id] ?? message.traceparent
                        try handler.handle(message, context: context)
                    }
                }
                start = end
            }
            for message in repeats { try handlers[message.type]!.answerRepeat(message, context: context) }
            outgoing.append(contentsOf: context.outgoing)
            counts.spans += context.emittedSpans
            if logger.logLevel <= .debug {
                for message in toHandle {
                    logger.debug("handling message", metadata: [
                        "messageId": .string(message.id), "type": .string(message.type.routingKey),
                    ].merging(Tracing.logMetadata(message.delivery)) { $1 })
                }
            }
            for message in toHandle {
                audit.append(.message(message.delivery, header: message.header, note: context.auditNotes[message.id],
                                      queue: queue.name, at: now))
            }
            audit += context.auditEntries
        }
        try AuditLog.append(audit, db: tx)
        try Outbox.insert(outgoing, tx: tx)
        counts.emitted = outgoing.count
        FaultInjection.point(.beforeCommit, env.configuration.faultInjection)
        return counts
    }

    /// Ids seen before whose body differs from the one handled then: a sender reusing an id for
    /// other content must hear so, not see its message silently skipped as a redelivery.
    private func conflictingDuplicates(_ messages: [IncomingMessage], digests: [[UInt8]], fresh: Set<String>,
                                       tx: PostgresConnection) throws -> [Int: PermanentFailure] {
        var firstInBatch: Set<String> = []
        // Already in the inbox, or a second copy within this batch (the first was just inserted).
        let seen = messages.indices.filter { !fresh.contains(messages[$0].id) || !firstInBatch.insert(messages[$0].id).inserted }
        guard !seen.isEmpty else { return [:] }
        let rows = try tx.execute("SELECT message_id, encode(content_sha256, 'hex') AS digest FROM inbox WHERE message_id = ANY($1::text[])",
                                  [PostgresArray(seen.map { messages[$0].id })])
        var stored: [String: String] = [:]
        for row in rows.rows { stored[try row.string("message_id")] = try row.optionalString("digest") }
        var conflicts: [Int: PermanentFailure] = [:]
        for index in seen {
            let id = messages[index].id
            guard let digest = stored[id], digest != digests[index].hexString else { continue }
            conflicts[index] = PermanentFailure(
                code: "conflicting-duplicate",
                reason: "message id \(id) was already handled with other content (sha256 \(digest)); a new message needs a new id")
        }
        return conflicts
    }

    /// How long each delivery waited between its publish (the producer relay's header) and now.
    private func recordQueueWait(_ batch: [Delivery]) {
        let now = Date().timeIntervalSince1970
        var waits: [String: [Double]] = [:]
        for delivery in batch {
            guard case .int(let publishedAt)? = delivery.properties.headers[OutboxRelay.publishedAtHeader] else { continue }
            waits[delivery.properties.type ?? "unknown", default: []].append(max(0, now - Double(publishedAt) / 1000))
        }
        for (type, seconds) in waits { env.metrics.queueWait(seconds, type: type) }
    }

    /// Right after the commit, before the ack (which may fail): the spans are exported and the
    /// relay woken for what was written to the outbox.
    private func committed(_ counts: Counts) {
        counts.spans.forEach { $0.end() }
        if counts.emitted > 0 { env.relayWake.signal() }
    }

    private func record(_ counts: Counts, started: ContinuousClock.Instant, batchSize: Int) {
        env.metrics.committed("consumer")
        let elapsed = ContinuousClock.now - started
        for (type, n) in counts.handled {
            env.metrics.consumed(type: type, count: n)
            env.metrics.handlerDuration(elapsed / max(batchSize, 1), type: type)
        }
        for type in counts.duplicates { env.metrics.duplicates(type: type) }
        for (type, code) in counts.deadLettered { env.metrics.deadLettered(type: type, code: code) }
    }
}

