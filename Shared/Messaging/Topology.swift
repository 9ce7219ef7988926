/// Exchange names (ARCHITECTURE §2).
public enum Exchange {
    /// Every domain event, topic exchange, routing key = `<noun>.<verb>.v<major>`.
    public static let events = "tthc.events"
    /// Commands from integrators (e.g. `dossier.submit.v1`); only intake reads it.
    public static let intake = "tthc.intake"
    /// Dead letters, topic exchange, routing key = the service name (a topic exchange so that the
    /// broker's topic permissions let each service write and bind only its own key).
    public static let deadLetter = "tthc.dead-letter"
    /// Copies of events for organisations' own software, topic exchange, routing key
    /// `<software user>.<type>`: each software user may bind only its own prefix.
    public static let organisations = "tthc.organisations"
    /// Each integrator's own copies of the events of the dossiers it submitted, topic exchange,
    /// routing key `<integrator user>.<type>`: each integrator may bind only its own prefix.
    public static let integrators = "tthc.integrators"
}

/// A queue a service consumes, with the bindings that feed it.
public struct QueueSpec: Sendable {
    public struct Binding: Sendable {
        public let exchange: String
        public let routingKey: String
        public init(exchange: String, routingKey: String) {
            self.exchange = exchange
            self.routingKey = routingKey
        }
    }

    public let name: String
    public let bindings: [Binding]
    /// Bindings an earlier release declared and this one no longer wants: declaring only adds,
    /// so these are removed explicitly on every start.
    public let retiredBindings: [Binding]

    public init(name: String, bindings: [Binding], retiredBindings: [Binding] = []) {
        self.name = name
        self.bindings = bindings
        self.retiredBindings = retiredBindings
    }
}

/// What one service declares at start and after every reconnect. Declaring is idempotent:
/// the same arguments each time (a mismatch is a broker error, caught in tests).
public struct ServiceTopology: Sendable {
    public let service: String
    public let queues: [QueueSpec]
    /// How often a quorum queue delivers a message before dead-lettering it (poison messages).
    public let deliveryLimit: Int
    /// The service answers commands' `reply_to` (needs write on `amq.default`): only intake.
    public let answersSenders: Bool

    public init(service: String, queues: [QueueSpec], deliveryLimit: Int = 20, answersSenders: Bool = false) {
        self.service = service
        self.queues = queues
        self.deliveryLimit = deliveryLimit
        self.answersSenders = answersSenders
    }

    /// The service's dead-letter queue: everything it could not process, with a reason header.
    public var deadLetterQueue: String { "\(service).dead-letter" }

    public func queueArguments() -> [String: AMQPValue] {
        [
            "x-queue-type": .string("quorum"),
            "x-delivery-limit": .int(Int64(deliveryLimit)),
            "x-dead-letter-exchange": .string(Exchange.deadLetter),
            "x-dead-letter-routing-key": .string(service),
            // At-least-once dead-lettering needs reject-publish overflow (RabbitMQ ≥ 3.10).
            "x-dead-letter-strategy": .string("at-least-once"),
            "x-overflow": .string("reject-publish"),
        ]
    }

    /// The shared exchanges come from the broker's definitions (services may not configure
    /// them): checked passively here, so a missing one is a clear error at start.
    public func declare(on connection: AMQPConnection) throws {
        let exchanges = Set([Exchange.events, Exchange.deadLetter] + queues.flatMap { $0.bindings.map(\.exchange) })
        for exchange in exchanges.sorted() {
            try connection.checkExchange(exchange)
        }
        try connection.declareQueue(deadLetterQueue, arguments: ["x-queue-type": .string("quorum")])
        try connection.bindQueue(deadLetterQueue, exchange: Exchange.deadLetter, routingKey: service)
        for queue in queues {
            try connection.declareQueue(queue.name, arguments: queueArguments())
            for binding in queue.bindings {
                try connection.bindQueue(queue.name, exchange: binding.exchange, routingKey: binding.routingKey)
            }
            for binding in queue.retiredBindings {
                try connection.unbindQueue(queue.name, exchange: binding.exchange, routingKey: binding.routingKey)
            }
        }
    }
}

/// Headers TTHC adds to a dead letter so an operator knows why and where to replay it.
public enum DeadLetterHeader {
    public static let reason = "x-tthc-reason"
    public static let errorCode = "x-tthc-error-code"
    public static let sourceQueue = "x-tthc-source-queue"
    public static let originalExchange = "x-tthc-original-exchange"
    public static let originalRoutingKey = "x-tthc-original-routing-key"
    public static let originalUserId = "x-tthc-original-user-id"
    public static let originalReplyTo = "x-tthc-original-reply-to"
    public static let originalCorrelationId = "x-tthc-original-correlation-id"
    public static let deadLetteredAt = "x-tthc-dead-lettered-at"
    /// Set by `tthc-admin dead-letters replay`: how many times this message was replayed.
    public static let replayCount = "x-tthc-replay-count"
}
