import Contracts
import Foundation
import Logging
import Messaging
import Persistence
import ServiceKit
import Synchronization
import TestSupport

/// The payload of the test messages.
struct Probe: Codable, Sendable {
    var label: String
}

/// How many times a given message should still fail with a transaction error.
final class FailureBook: Sendable {
    private let remaining = Mutex<[String: Int]>([:])
    func failNext(_ id: String, times: Int) { remaining.withLock { $0[id] = times } }
    func shouldFail(_ id: String) -> Bool {
        remaining.withLock { book in
            guard let n = book[id], n > 0 else { return false }
            book[id] = n - 1
            return true
        }
    }
}

/// Writes one row per handled message (no unique key: a double effect shows as two rows), emits
/// `kit.test-done.v1`, and fails on demand: transiently (SQLSTATE 40001) or permanently.
struct EffectHandler: MessageHandler {
    static let type = MessageType("kit.test-event", major: 1)
    static let done = MessageType("kit.test-done", major: 1)
    let messageType = EffectHandler.type
    let failures: FailureBook

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let probe = try message.decode(Probe.self).data
        if probe.label == "poison" { throw PermanentFailure(code: "test-rule", reason: "poison is never accepted") }
        // The probe is also kept as jsonb: PostgreSQL refuses some strings there (a NUL, `\\u0000`).
        try context.db.execute("INSERT INTO effects (message_id, label, probe) VALUES ($1, $2, $3::jsonb)",
                               [message.id, probe.label, String(decoding: try WireJSON.encode(probe), as: UTF8.self)])
        if failures.shouldFail(message.id) {
            try context.db.execute("DO $$ BEGIN RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001'; END $$")
        }
        try context.emit(Self.done, subject: probe.label, data: probe)
    }
}

/// The same effect for a whole run of `kit.test-batch.v1` messages in one statement.
struct BatchEffectHandler: BatchMessageHandler {
    static let type = MessageType("kit.test-batch", major: 1)
    let messageType = BatchEffectHandler.type

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let probes = try batch.map { try $0.decode(Probe.self).data }
        try context.db.execute("""
            INSERT INTO effects (message_id, label, probe)
            SELECT id, label, probe::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS t (id, label, probe)
            """, [PostgresArray(batch.map(\.id)), PostgresArray(probes.map(\.label)),
                  PostgresArray(try probes.map { String(decoding: try WireJSON.encode($0), as: UTF8.self) })])
        for (message, probe) in zip(batch, probes) {
            try context.emit(EffectHandler.done, subject: probe.label, data: probe, causedBy: message)
        }
    }
}

/// A consumer and a relay of a test service `kittest`, in-process, on the real servers.
final class PipelineHarness {
    static let service = "kittest"
    static let queue = "kittest.events"
    let failures = FailureBook()
    let env: WorkerEnvironment
    private var stops: [StopFlag] = []
    private var finished: [DispatchSemaphore] = []

    init(maxMessageBytes: Int = 4096) throws {
        let db = try TestEnvironment.superuser()
        try db.execute("DROP SCHEMA IF EXISTS \(Self.service) CASCADE")
        try db.execute("CREATE SCHEMA \(Self.service)")
        try db.execute("SET search_path TO \(Self.service)")
        try MigrationRunner(schema: Self.service, logger: Logger(label: "test")).run(
            PipelineMigrations.all + SharedTable.auditLog.migrations + [Migration(scope: "service", version: 1, name: "effects",
                                                sql: "CREATE TABLE effects (message_id text NOT NULL, label text NOT NULL, probe jsonb);")],
            on: db)
        db.close()
        let admin = try TestEnvironment.amqp()
        for queue in [Self.queue, "\(Self.service).dead-letter"] { try admin.deleteQueue(queue) }
        admin.close()

        let socket = ProcessInfo.processInfo.environment["TTHC_PG_SOCKET_DIR"] ?? ""
        let configuration = try ServiceConfiguration(service: Self.service, defaultHTTPPort: 0, environment: [
            "TTHC_AMQP_URL": "amqp://tthc-admin:tthc-admin@\(TestEnvironment.amqpHost):\(TestEnvironment.amqpPort)/tthc",
            "TTHC_DATABASE_URL": socket.isEmpty ? "postgres://postgres@\(TestEnvironment.pgHost):\(TestEnvironment.pgPort)/tthc"
                : "postgresql://postgres@/tthc?host=\(socket)&port=\(TestEnvironment.pgPort)",
            "TTHC_MAX_MESSAGE_BYTES": String(maxMessageBytes),
            "TTHC_BATCH_SIZE": "100",
            "TTHC_DEVELOPMENT": "1",
        ])
        var logger = Logger(label: "kittest")
        logger.logLevel = .notice
        env = WorkerEnvironment(
            configuration: configuration, logger: logger, metrics: ServiceMetrics(service: Self.service),
            health: HealthState(), relayWake: WakeSignal(),
            topology: ServiceTopology(service: Self.service, queues: [QueueSpec(name: Self.queue, bindings: [
                .init(exchange: Exchange.events, routingKey: EffectHandler.type.routingKey),
                .init(exchange: Exchange.events, routingKey: BatchEffectHandler.type.routingKey)])]))
        let worker = ConsumerWorker(env: env, queue: env.topology.queues[0],
                                    handlers: [EffectHandler(failures: failures), BatchEffectHandler()], index: 1)
        let relay = OutboxRelay(env: env)
        start { worker.run(stop: $0) }
        start { relay.run(stop: $0) }
        try TestEnvironment.eventually(timeout: 20, "kittest consumer and relay connected") { self.env.health.isReady }
    }

    private func start(_ body: @escaping @Sendable (StopFlag) -> Void) {
        let stop = StopFlag()
        let done = DispatchSemaphore(value: 0)
        Thread {
            body(stop)
            done.signal()
        }.start()
        stops.append(stop)
        finished.append(done)
    }

    /// Stops the consumer first, then the relay (as ServiceRuntime does).
    func stop() {
        for (stop, done) in zip(stops, finished) {
            stop.set()
            done.wait()
        }
        stops.removeAll()
        finished.removeAll()
    }

    /// Publishes straight to the test queue, as the broker would deliver it.
    func deliver(body: [UInt8], id: String, type: String = EffectHandler.type.cloudEventType) throws {
        let admin = try TestEnvironment.amqp(confirms: true)
        defer { admin.close() }
        try admin.publish(exchange: "", routingKey: Self.queue, body: body,
                          properties: MessageProperties(messageId: id, type: type, contentType: "application/cloudevents+json"))
        try admin.waitForConfirms()
    }

    func envelope(_ label: String, id: String = UUID().uuidString.lowercased(),
                  type: MessageType = EffectHandler.type) throws -> (id: String, body: [UInt8]) {
        (id, try WireJSON.encode(Envelope(id: id, source: "urn:tthc:test", type: type, data: Probe(label: label))))
    }

    /// Publishes many messages to the test queue with one connection, confirmed.
    func deliver(_ messages: [(id: String, body: [UInt8])]) throws {
        let admin = try TestEnvironment.amqp(confirms: true)
        defer { admin.close() }
        for message in messages {
            try admin.publish(exchange: "", routingKey: Self.queue, body: message.body,
                              properties: MessageProperties(messageId: message.id, contentType: "application/cloudevents+json"))
        }
        try admin.waitForConfirms()
    }

    func effects(_ id: String) throws -> Int {
        try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects WHERE message_id = $1", [id])
    }

    /// A counter's value from `/metrics` text, summed over the lines that match.
    func metric(_ name: String, containing: String = "") -> Double {
        env.metrics.text().split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") && (containing.isEmpty || $0.contains(containing)) }
            .compactMap { Double($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }
}
