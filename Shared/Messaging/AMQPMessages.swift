import Foundation

/// Properties of a published or delivered message (AMQP 0-9-1 basic properties).
public struct MessageProperties: Sendable, Equatable {
    public var messageId: String?
    public var type: String?
    public var contentType: String?
    public var appId: String?
    public var userId: String?
    public var correlationId: String?
    public var replyTo: String?
    public var timestamp: Date?
    public var persistent: Bool
    public var headers: [String: AMQPValue]

    public init(messageId: String? = nil, type: String? = nil, contentType: String? = nil, appId: String? = nil,
                userId: String? = nil, correlationId: String? = nil, replyTo: String? = nil,
                timestamp: Date? = nil, persistent: Bool = true, headers: [String: AMQPValue] = [:]) {
        self.messageId = messageId
        self.type = type
        self.contentType = contentType
        self.appId = appId
        self.userId = userId
        self.correlationId = correlationId
        self.replyTo = replyTo
        self.timestamp = timestamp
        self.persistent = persistent
        self.headers = headers
    }
}

/// A message received from a queue, copied out of rabbitmq-c's buffers.
public struct Delivery: Sendable {
    public let deliveryTag: UInt64
    public let redelivered: Bool
    public let exchange: String
    public let routingKey: String
    public let properties: MessageProperties
    public let body: [UInt8]

    public init(deliveryTag: UInt64, redelivered: Bool, exchange: String, routingKey: String,
                properties: MessageProperties, body: [UInt8]) {
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.body = body
    }
}

public enum AMQPError: Error, CustomStringConvertible, Sendable {
    /// The socket or the connection failed: reconnect.
    case connectionFailed(String)
    /// The broker closed the channel or connection (code 403 = access refused, 404 = not found...).
    case closedByBroker(code: Int, text: String)
    /// The broker refused a published message (basic.nack).
    case nacked(UInt64)
    case timeout(String)

    public var description: String {
        switch self {
        case .connectionFailed(let s): "AMQP connection failed: \(s)"
        case .closedByBroker(let code, let text): "closed by broker: \(code) \(text)"
        case .nacked(let tag): "broker refused message \(tag) (nack)"
        case .timeout(let s): "timed out \(s)"
        }
    }

    public var isAccessRefused: Bool {
        if case .closedByBroker(let code, _) = self { return code == 403 }
        return false
    }
}
