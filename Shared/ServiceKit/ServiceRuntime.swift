import Contracts
import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence
import ServiceLifecycle

/// A queue a service consumes and the handlers for the message types on it.
public struct ConsumerDefinition: Sendable {
    public let queue: QueueSpec
    public let handlers: [any MessageHandler]
    /// Handlers of the retired types: a message still queued from before the binding was removed
    /// is acknowledged and counted, not dead-lettered as an unknown type.
    let retiredHandlers: [any MessageHandler]

    /// Binds the queue to `exchange` for each handler's message type, and removes the bindings of
    /// types it no longer consumes (`retiredTypes`).
    public init(queue: String, exchange: String = Exchange.events, handlers: [any MessageHandler],
                retiredTypes: [MessageType] = []) {
        self.queue = QueueSpec(
            name: queue,
            bindings: handlers.map { QueueSpec.Binding(exchange: exchange, routingKey: $0.messageType.routingKey) },
            retiredBindings: retiredTypes.map { QueueSpec.Binding(exchange: exchange, routingKey: $0.routingKey) })
        precondition(Set(retiredTypes).isDisjoint(with: handlers.map(\.messageType)), "\(queue): a type is both handled and retired")
        self.handlers = handlers
        retiredHandlers = retiredTypes.map(RetiredTypeHandler.init)
    }
}

/// What makes one TTHC service: its name, its queues and handlers, its migrations.
public struct ServiceDefinition: Sendable {
    public let name: String
    public let defaultHTTPPort: Int
    public let consumers: [ConsumerDefinition]
    /// `Services/<Name>/Migrations`, copied as a resource into the executable's bundle.
    public let migrationsFolder: URL?
    /// The service's HTTP edge beyond health and metrics, if it has one.
    public let routes: HTTPRoutes?
    /// Durable timers the service fires (deadlines, reminders).
    public let timers: [any TimerHandler]
    /// ServiceKit's tables the service keeps in its schema (migrated before the service's own).
    public let sharedTables: [SharedTable]
    /// Figures read from the service's tables at each `/metrics` scrape.
    public let gauges: [StoredGauge]

    public init(name: String, defaultHTTPPort: Int, consumers: [ConsumerDefinition], migrationsFolder: URL?,
                sharedTables: [SharedTable] = [], routes: HTTPRoutes? = nil, timers: [any TimerHandler] = [],
                gauges: [StoredGauge] = []) {
        // Every service keeps an audit log (its consumers and timers write to it), publishes its
        // chains' heads (audit.checkpoint.v1) and, if asked, removes what is past its retention.
        self.timers = timers + [AuditCheckpointTimer(), AuditRetentionTimer()]
        self.gauges = gauges
        self.sharedTables = sharedTables.contains(.auditLog) ? sharedTables : [.auditLog] + sharedTables
        self.name = name
        self.defaultHTTPPort = defaultHTTPPort
        self.consumers = consumers
        self.migrationsFolder = migrationsFolder
        self.routes = routes
    }

    /// Whether the service answers senders' `reply_to`: it declares answers in MessageDirectory.
    public var answersSenders: Bool { !(MessageDirectory.service(named: name)?.answers.isEmpty ?? true) }

    public var topology: ServiceTopology {
        ServiceTopology(service: name, queues: consumers.map(\.queue), answersSenders: answersSenders)
    }
}

/// Starts a service: configuration, logging, migrations, consumers, outbox relay, HTTP, and
/// graceful shutdown on SIGTERM/SIGINT (consumers stop first, then the relay empties the
/// outbox, then HTTP closes). Exits 1 with a clear message on bad configuration.
public enum ServiceRuntime {
    public static func run(_ definition: ServiceDefinition) async {
        if CommandLine.arguments.contains("--describe") { describe(definition) }
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration(service: definition.name, defaultHTTPPort: definition.defaultHTTPPort)
        } catch {
            FileHandle.standardError.write(Data("tthc-\(definition.name): \(error)\n".utf8))
            exit(1)
        }
        ServiceLogging.bootstrap(format: configuration.logFormat, level: configuration.logLevel)
        var logger = Logger(label: "tthc.\(definition.name)")
        logger[metadataKey: "service"] = .string(definition.name)
        let metrics = ServiceMetrics(service: definition.name)
        let health = HealthState()
        let clock: ServiceClock
        do {
            clock = try ServiceClock(environment: ProcessInfo.processInfo.environment)
        } catch {
            FileHandle.standardError.write(Data("tthc-\(definition.name): \(error)\n".utf8))
            exit(1)
        }
        let env = WorkerEnvironment(configuration: configuration, logger: logger, metrics: metrics, health: health,
                                    relayWake: WakeSignal(), topology: definition.topology, clock: clock)
        do {
            try await migrate(definition, env: env)
        } catch {
            logger.critical("cannot apply migrations", metadata: ["error": .string("\(error)")])
            exit(1)
        }

        let router = Router()
        // Outermost: every answer, errors included, names the span the request got.
        router.add(middleware: TraceMiddleware())
        router.add(middleware: ErrorAnswers(logger: logger))
        let methods = MethodNotAllowed<BasicRequestContext>()
        router.add(middleware: methods)
        let database = DatabasePool(size: 4, open: { try env.openDatabase() })
        OperationsRoutes.add(to: router, health: health, metrics: metrics, service: definition.name,
                             gauges: definition.gauges, database: database, logger: logger)
        if let routes = definition.routes {
            routes(router, ServiceResources(configuration: configuration, logger: logger, metrics: metrics, clock: clock,
                                            database: database, relayWake: env.relayWake))
        }
        methods.learn(router.routes)
        let http = Application(router: router,
                               configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort),
                                                    serverName: "tthc-\(definition.name)"),
                               logger: logger)
        let relay = OutboxRelay(env: env)
        // Shutdown runs in reverse order: consumers, then the relay (drains the outbox), then HTTP.
        var services: [any Service] = [http, ThreadService(name: "outbox-relay") { relay.run(stop: $0) }]
        if !definition.timers.isEmpty {
            let timers = TimerWorker(env: env, handlers: definition.timers)
            services.append(ThreadService(name: "timers") { timers.run(stop: $0) })
        }
        for consumer in definition.consumers {
            for index in 1...configuration.consumersPerQueue {
                let worker = ConsumerWorker(env: env, queue: consumer.queue, handlers: consumer.handlers + consumer.retiredHandlers,
                                            index: index)
                services.append(ThreadService(name: worker.name) { worker.run(stop: $0) })
            }
        }
        do {
            // First in the group, so it stops last and flushes the spans of the drain.
            if let exporter = try TraceExport.bootstrap(service: definition.name, logger: logger) { services.insert(exporter, at: 0) }
        } catch {
            logger.critical("cannot export spans", metadata: ["error": .string("\(error)")])
            exit(1)
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        logger.info("started", metadata: ["http": .string("\(configuration.httpHost):\(configuration.httpPort)"),
                                          "amqp": .string(configuration.amqpURLs.map { (try? AMQPURL($0).description) ?? "?" }.joined(separator: ","))])
        do {
            try await group.run()
            logger.info("stopped cleanly")
        } catch {
            logger.error("stopped with error", metadata: ["error": .string("\(error)")])
            exit(1)
        }
    }

    /// `tthc-<service> --describe`: what the service consumes (queue, exchange, type, the tables it
    /// writes) as JSON on stdout, then exit 0; `docs/messages.md` is generated from it.
    static func describe(_ definition: ServiceDefinition) -> Never {
        let queues: [[String: Any]] = definition.consumers.map { consumer in
            ["queue": consumer.queue.name, "exchange": consumer.queue.bindings.first?.exchange ?? "",
             "handlers": consumer.handlers.map { ["type": $0.messageType.routingKey, "tables": $0.tables] }]
        }
        let description: [String: Any] = ["service": definition.name, "queues": queues, "timers": definition.timers.map(\.kind)]
        let data = (try? JSONSerialization.data(withJSONObject: description, options: [.sortedKeys])) ?? Data()
        FileHandle.standardOutput.write(data + Data("\n".utf8))
        exit(0)
    }

    /// Applies ServiceKit's and the service's migrations, waiting for the database if needed.
    static func migrate(_ definition: ServiceDefinition, env: WorkerEnvironment) async throws {
        let migrations = try PipelineMigrations.all + definition.sharedTables.flatMap(\.migrations)
            + (definition.migrationsFolder.map { try Migration.load(scope: "service", from: $0) } ?? [])
        var delay: Double = 0.2
        let deadline = Date().addingTimeInterval(120)
        while true {
            do {
                let db = try env.openDatabase()
                defer { db.close() }
                try MigrationRunner(schema: env.configuration.databaseSchema, logger: env.logger).run(migrations, on: db)
                env.health.set("migrations", up: true)
                return
            } catch let error as PostgresError where error.connectionLost && Date() < deadline {
                env.logger.warning("database not reachable yet", metadata: ["error": .string("\(error)")])
                try await Task.sleep(for: .seconds(delay))
                delay = min(delay * 2, 5)
            }
        }
    }
}
