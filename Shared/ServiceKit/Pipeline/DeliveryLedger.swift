/// The deliveries of one channel that are not settled yet, and the acks that settle exactly a
/// given set of them. A `basic.ack(multiple)` settles every tag up to its own, so it is only used
/// when every outstanding tag it covers was handled; the rest are acked one by one. A value type
/// without I/O, so its rules are tested without a broker.
public struct DeliveryLedger: Equatable, Sendable {
    public enum Ack: Equatable, Sendable {
        case single(UInt64)
        case upTo(UInt64)
    }

    /// Received and not yet acked or rejected, in tag order (the order the broker sent them).
    public private(set) var outstanding: [UInt64] = []

    public init() {}

    public mutating func received(_ tag: UInt64) {
        outstanding.append(tag)
    }

    /// The acks that settle exactly `tags`, fewest first; a tag no longer outstanding (already
    /// settled) is never acked again.
    public mutating func acknowledge(_ tags: [UInt64]) -> [Ack] {
        let handled = Set(tags).intersection(outstanding)
        var acks: [Ack] = []
        // The prefix of outstanding tags that were all handled goes in one multiple ack.
        let prefix = outstanding.prefix { handled.contains($0) }
        if prefix.count > 1 {
            acks.append(.upTo(prefix.last!))
        } else if let only = prefix.first {
            acks.append(.single(only))
        }
        for tag in outstanding.dropFirst(prefix.count) where handled.contains(tag) {
            acks.append(.single(tag))
        }
        outstanding.removeAll { handled.contains($0) }
        return acks
    }

    /// A delivery settled otherwise (rejected back to the queue).
    public mutating func rejected(_ tag: UInt64) {
        outstanding.removeAll { $0 == tag }
    }
}
