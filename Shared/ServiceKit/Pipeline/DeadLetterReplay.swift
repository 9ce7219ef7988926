import Messaging

/// How the operator's `tthc-admin dead-letters replay` republishes a dead letter: with the sender,
/// reply address and correlation RabbitMQ verified when the message first arrived, as AMQP
/// properties (the operator's user is an `impersonator`), so the consumer checks the same
/// identity as the first time and no header restores one.
public enum DeadLetterReplay {
    /// What a replay publishes, or why it cannot: the sender is only taken from a dead letter whose
    /// provenance the broker proves.
    public enum Plan: Equatable {
        case replay(queue: String, properties: MessageProperties)
        case refuse(String)
    }

    public static func plan(_ deadLetter: Delivery, service: String) -> Plan {
        let props = deadLetter.properties
        func header(_ key: String) -> String? { props.headers[key]?.stringValue }
        var replay = props
        if props.userId == "tthc-\(service)", header(DeadLetterHeader.errorCode) != nil {
            // Recorded by the service itself (only its user may publish to its dead-letter key):
            // its headers hold what the broker verified at first receipt.
            guard let queue = header(DeadLetterHeader.sourceQueue) else { return .refuse("source queue unknown") }
            let original = header(DeadLetterHeader.originalUserId) ?? ""
            replay.userId = original.isEmpty ? nil : original
            replay.replyTo = header(DeadLetterHeader.originalReplyTo)
            replay.correlationId = header(DeadLetterHeader.originalCorrelationId)
            replay.headers = replayHeaders(props.headers)
            return .replay(queue: queue, properties: replay)
        }
        if let queue = header("x-first-death-queue") {
            // Dead-lettered by the broker (delivery limit): the properties are the original ones,
            // user_id included, as verified when it was published.
            replay.headers = replayHeaders(props.headers)
            return .replay(queue: queue, properties: replay)
        }
        return .refuse("published to the dead-letter queue by \(props.userId ?? "an unidentified user"), not by tthc-\(service) or the broker")
    }

    /// The sender's own headers, without any x-tthc-* or x-death ones, plus the replay count.
    static func replayHeaders(_ headers: [String: AMQPValue]) -> [String: AMQPValue] {
        var kept = headers.filter { !$0.key.hasPrefix("x-tthc-") && !$0.key.hasPrefix("x-death") && !$0.key.hasPrefix("x-first-death")
            && !$0.key.hasPrefix("x-last-death") && $0.key != "x-delivery-count" }
        // The service records it as text, a replay as a number.
        let recorded = headers[DeadLetterHeader.replayCount]
        let count: Int64 = recorded?.intValue.map { Int64($0) } ?? recorded?.stringValue.flatMap { Int64($0) } ?? 0
        kept[DeadLetterHeader.replayCount] = .int(count + 1)
        return kept
    }
}
