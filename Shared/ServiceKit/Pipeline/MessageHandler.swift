import Contracts
import Foundation
import Signatures
import Messaging
import Persistence

/// Handles one message type inside the pipeline's transaction. Write state with `context.db`
/// and emit messages with `context.emit`: both commit together, or neither does.
public protocol MessageHandler: Sendable {
    var messageType: MessageType { get }
    /// The service's tables this handler writes (besides the inbox and outbox), for
    /// `docs/messages.md`: where a message lands.
    var tables: [String] { get }
    /// True when handling a message twice changes nothing by itself (each row it writes is keyed
    /// by the message id, ON CONFLICT DO NOTHING) and it emits nothing: its messages skip the inbox
    /// (one row fewer per delivery; a reused id with other content is then not detected).
    var idempotentByMessageId: Bool { get }
    func handle(_ message: IncomingMessage, context: HandlerContext) throws
    /// A message the inbox knows (the same id and content again: a redelivery, or a sender
    /// publishing again after a timeout) is not handled again; a command is answered again here,
    /// with the answer it got (`context.reply` only: nothing is emitted twice).
    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws
}

extension MessageHandler {
    public var tables: [String] { [] }
    public var idempotentByMessageId: Bool { false }
    public func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {}
}

/// A type the queue no longer consumes (its binding is removed at start): what was queued before
/// the upgrade is acknowledged without effect, as the type's handler is gone on purpose.
struct RetiredTypeHandler: MessageHandler {
    let messageType: MessageType
    var idempotentByMessageId: Bool { true }
    func handle(_ message: IncomingMessage, context: HandlerContext) throws {}
}

/// A handler that takes every fresh message of its type in a batch at once, so that a batch
/// costs a few statements instead of a few per message. A `PermanentFailure` thrown here makes
/// the pipeline retry each message of the batch alone, so only the bad one is dead-lettered.
public protocol BatchMessageHandler: MessageHandler {
    func handle(batch: [IncomingMessage], context: HandlerContext) throws
}

extension BatchMessageHandler {
    public func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try handle(batch: [message], context: context)
    }
}

/// A message that can never succeed as it is (bad schema, unknown version, a business rule that
/// will not change): it goes to the dead-letter queue with this code and reason.
public struct PermanentFailure: Error, CustomStringConvertible, Sendable {
    public let code: String
    public let reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }

    /// The permanent failure an error stands for, or nil when trying again may succeed. Data that
    /// PostgreSQL refuses (bad encoding or value, a constraint, a size limit) is refused again on
    /// every retry, so it is permanent too.
    public init?(_ error: any Error) {
        if let failure = error as? PermanentFailure {
            self = failure
        } else if let error = error as? PostgresError, !error.connectionLost, error.isCausedByTheData {
            self.init(code: "database-rejected",
                      reason: "PostgreSQL refused the message's data (SQLSTATE \(error.sqlState ?? "?")): \(error.message)")
        } else {
            return nil
        }
    }
}

/// A delivery whose envelope was read and whose type has a handler.
public struct IncomingMessage: Sendable {
    public let delivery: Delivery
    public let header: EnvelopeHeader
    public let type: MessageType

    public var id: String { header.id }

    /// Who sent it, as verified by RabbitMQ (`user_id`). A replay by the operator carries the
    /// sender recorded when the message was first received.
    public var sender: String? { delivery.properties.verifiedSender }

    /// W3C trace context of this message (AMQP header, else the envelope's).
    public var traceparent: String? {
        delivery.properties.headers["traceparent"]?.stringValue ?? header.traceparent
    }

    public var replyTo: String? { delivery.properties.replyTo }

    public var correlationId: String? { delivery.properties.correlationId }

    /// Decodes the whole envelope with its payload; a payload of the wrong shape is permanent.
    public func decode<Payload: Codable & Sendable>(_ payload: Payload.Type) throws -> Envelope<Payload> {
        do {
            return try WireJSON.decode(Envelope<Payload>.self, from: delivery.body)
        } catch let error as DecodingError {
            throw PermanentFailure(code: "schema-violation", reason: describeDecodingError(error))
        }
    }
}

extension IncomingMessage {
    /// Decodes a message from outside the system (a registry, an organisation's software) and
    /// refuses texts, numbers and times beyond WireText's limits before any statement sees them.
    public func decodeExternal<Payload: Codable & Sendable>(_ payload: Payload.Type) throws -> Envelope<Payload> {
        let envelope = try decode(payload)
        let problems = WireText.problems(in: envelope.data)
        guard problems.isEmpty else {
            throw PermanentFailure(code: "invalid-field", reason: problems.prefix(5).map { "\($0.path): \($0.code)" }.joined(separator: "; "))
        }
        return envelope
    }
}

/// Who sent a message and where to answer: only what RabbitMQ verified or the sender itself set
/// as AMQP properties. A replay by the operator is published with the original sender's `user_id`
/// (the operator's user is an `impersonator`), so no header ever restores an identity.
extension MessageProperties {
    /// The `user_id` RabbitMQ verified against the publishing connection's user.
    public var verifiedSender: String? { userId }
}

/// A handler emitted a type its service does not declare in `MessageDirectory`: a programming
/// error, never published.
public struct UndeclaredMessage: Error, CustomStringConvertible {
    public let service: String
    public let type: MessageType
    public let how: String
    public var description: String { "\(service) does not declare that it \(how) \(type) (MessageDirectory)" }
}

/// What a handler can do inside the transaction: use the database and emit messages.
public final class HandlerContext {
    public let db: PostgresConnection
    public let service: String
    public let now: Date
    /// What the service declares it publishes; nil for a service outside the directory (tests).
    let declared: MessageDirectory.Service?
    private(set) var outgoing: [OutgoingMessage] = []
    /// The `create` span of each message in `outgoing`: ended (exported) by the caller once the
    /// transaction commits, dropped with it otherwise.
    private(set) var emittedSpans: [TraceSpan] = []
    /// The trace of the message being handled (single-message handlers).
    var traceparent: String?
    /// The traceparent of each message's processing span (`process <type>`), by message id: what a
    /// handler emits for a message continues it.
    var processing: [String: String] = [:]
    /// The service's metrics, for a timer handler that talks to the outside world (set by the timer worker).
    public var metrics: ServiceMetrics?
    /// When the transaction began (real time): a handler doing slow work in a shared transaction
    /// leaves the rest for the next one past a limit.
    public let startedAt = ContinuousClock.now

    public init(db: PostgresConnection, service: String, now: Date, traceparent: String? = nil) {
        self.db = db
        self.service = service
        self.now = now
        self.traceparent = traceparent
        declared = MessageDirectory.service(named: service)
    }

    private func check(_ type: MessageType, in list: KeyPath<MessageDirectory.Service, [MessageType]>, _ how: String) throws {
        if let declared, !declared[keyPath: list].contains(type) {
            throw UndeclaredMessage(service: service, type: type, how: how)
        }
    }

    /// Emits an event to `tthc.events` (published by the outbox relay after commit). In a batch
    /// handler, name the message it answers (`causedBy`) so that its trace continues.
    public func emit<Payload: Codable & Sendable>(_ type: MessageType, subject: String?, data: Payload,
                                                  causedBy cause: IncomingMessage? = nil) throws {
        try check(type, in: \.emits, "emits")
        try append(type, subject: subject, data: data, exchange: Exchange.events, routingKey: type.routingKey,
                   correlationId: nil, cause: cause)
    }

    /// Sends a copy of an event to one organisation's own software (`tthc.organisations`, routing
    /// key `<software user>.<type>`): it reads its own organisations' events, never the whole stream.
    public func tellOrganisationSoftware<Payload: Codable & Sendable>(_ user: String, _ type: MessageType, subject: String?,
                                                                      data: Payload, causedBy cause: IncomingMessage? = nil) throws {
        try check(type, in: \.toOrganisationSoftware, "sends organisations' software")
        try append(type, subject: subject, data: data, exchange: Exchange.organisations, routingKey: "\(user).\(type.routingKey)",
                   correlationId: nil, cause: cause)
    }

    /// Sends a copy of an event to the integrator that submitted the dossier (`tthc.integrators`,
    /// routing key `<integrator>.<type>`): its own dossiers' events, never anyone else's.
    public func tellIntegrator<Payload: Codable & Sendable>(_ integrator: String, _ type: MessageType, subject: String?,
                                                            data: Payload, causedBy cause: IncomingMessage? = nil) throws {
        try check(type, in: \.toIntegrators, "tells integrators")
        try append(type, subject: subject, data: data, exchange: Exchange.integrators,
                   routingKey: "\(integrator).\(type.routingKey)", correlationId: nil, cause: cause)
    }

    /// Passes another service's event on to the integrator of its dossier unchanged (same id,
    /// source and body, so the integrator can tell a repeat by its id).
    public func forwardToIntegrator(_ integrator: String, _ message: IncomingMessage) throws {
        try check(message.type, in: \.toIntegrators, "tells integrators")
        outgoing.append(OutgoingMessage(
            messageId: message.id, exchange: Exchange.integrators, routingKey: "\(integrator).\(message.type.routingKey)",
            type: message.type.cloudEventType, contentType: "application/cloudevents+json", correlationId: nil,
            headers: message.traceparent.map { ["traceparent": $0] } ?? [:], body: message.delivery.body))
    }

    /// Answers the sender on its `reply_to` queue (through the default exchange).
    public func reply<Payload: Codable & Sendable>(to message: IncomingMessage, _ type: MessageType, subject: String?,
                                                   data: Payload) throws {
        guard let replyTo = message.replyTo else { return }
        try check(type, in: \.answers, "answers with")
        try append(type, subject: subject, data: data, exchange: "", routingKey: replyTo,
                   correlationId: message.correlationId, cause: message)
    }

    /// The messages emitted so far; ServiceKit writes them to the outbox in the same transaction.
    public var emitted: [OutgoingMessage] { outgoing }

    /// Forgets what was emitted and audited after the first `count` / `audited` (work rolled back to a savepoint).
    func discardEmitted(after count: Int, audited: Int = .max) {
        if outgoing.count > count { outgoing.removeSubrange(count...) }
        if emittedSpans.count > count { emittedSpans.removeSubrange(count...) }
        if auditEntries.count > audited { auditEntries.removeSubrange(audited...) }
    }

    // MARK: Audit

    /// Entries written to the audit log when the transaction commits (an officer's or an
    /// integrator's act); the message or timer being handled gets its own entry without asking.
    public private(set) var auditEntries: [AuditEntry] = []

    /// What a handler said of the message or timer it handled, by message id or `timer:<kind>:<key>`.
    private(set) var auditNotes: [String: AuditNote] = [:]

    public struct AuditNote: Sendable {
        public var dossierCode: String?
        public var memberId: String?
        public var detail: String?
        /// False when the act was refused (a submission rejected, a command out of turn).
        public var allowed = true
    }

    public func audit(_ entry: AuditEntry) {
        auditEntries.append(entry)
    }

    /// Says whose data a message touched (a party member) and which dossier, when its envelope's
    /// subject does not say: recorded in the message's audit entry.
    public func noteAudit(of message: IncomingMessage, dossierCode: String? = nil, memberId: String? = nil, detail: String? = nil,
                          allowed: Bool = true) {
        auditNotes[message.id] = AuditNote(dossierCode: dossierCode, memberId: memberId, detail: detail, allowed: allowed)
    }

    /// As `noteAudit(of:)` for a timer that fired.
    public func noteAudit(of timer: DueTimer, dossierCode: String? = nil, memberId: String? = nil, detail: String? = nil) {
        auditNotes["timer:\(timer.kind):\(timer.key)"] = AuditNote(dossierCode: dossierCode, memberId: memberId, detail: detail)
    }

    private func append<Payload: Codable & Sendable>(_ type: MessageType, subject: String?, data: Payload,
                                                     exchange: String, routingKey: String, correlationId: String?,
                                                     cause: IncomingMessage?) throws {
        // A child of the processing of its cause (or of the request or message being handled).
        let parent = cause.map { processing[$0.id] ?? $0.traceparent } ?? traceparent
        var envelope = Envelope(source: "urn:tthc:\(service)", type: type, time: now, subject: subject, data: data)
        let span = TraceExport.start("create \(type.routingKey)", kind: .producer, parent: parent, attributes: [
            "messaging.system": "rabbitmq", "messaging.operation.type": "create", "messaging.destination.name": exchange,
            "messaging.rabbitmq.destination.routing_key": routingKey, "messaging.message.id": envelope.id,
        ])
        emittedSpans.append(span)
        envelope.traceparent = span.traceparent
        outgoing.append(OutgoingMessage(
            messageId: envelope.id, exchange: exchange, routingKey: routingKey, type: type.cloudEventType,
            contentType: "application/cloudevents+json", correlationId: correlationId,
            headers: envelope.traceparent.map { ["traceparent": $0] } ?? [:], body: try WireJSON.encode(envelope)))
    }
}

/// A row of the outbox: published after commit by the relay.
public struct OutgoingMessage: Sendable {
    public var messageId: String
    public var exchange: String
    public var routingKey: String
    public var type: String
    public var contentType: String
    public var correlationId: String?
    public var headers: [String: String]
    public var body: [UInt8]
}

/// W3C trace context: keep the trace id, new span id per hop.
public func describeDecodingError(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        "$" + context.codingPath.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
    }
    switch error {
    case .typeMismatch(_, let c): return "\(path(c)): wrong type (\(c.debugDescription))"
    case .valueNotFound(_, let c): return "\(path(c)): missing value"
    case .keyNotFound(let key, let c): return "\(path(c)).\(key.stringValue): required field missing"
    case .dataCorrupted(let c): return "\(path(c)): \(c.debugDescription)"
    @unknown default: return "\(error)"
    }
}
