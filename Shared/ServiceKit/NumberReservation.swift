/// Gap-free numbering for a batch (dossier sequences, document numbers): one statement reserves
/// `count` numbers per key in the transaction (so a rollback gives them back), then each item gets
/// the next number of its key, in order.
public struct NumberReservation<Key: Hashable & Comparable> {
    /// Keys in a fixed order: every transaction locks counter rows in the same order, so two
    /// batches can never deadlock on them.
    public let keys: [Key]
    public let counts: [Int]
    private let needed: [Key: Int]

    public init(for items: [Key]) {
        var needed: [Key: Int] = [:]
        for key in items { needed[key, default: 0] += 1 }
        self.needed = needed
        self.keys = needed.keys.sorted()
        self.counts = keys.map { needed[$0]! }
    }

    /// The number of each item, given each key's last value after the reservation.
    public func assign(_ items: [Key], lastValues: [Key: Int]) -> [Int] {
        var next = lastValues.reduce(into: [Key: Int]()) { $0[$1.key] = $1.value - needed[$1.key]! + 1 }
        return items.map { key in
            let number = next[key]!
            next[key] = number + 1
            return number
        }
    }
}
