import Foundation
import Persistence
import Synchronization

/// Blocking libpq connections for async callers (HTTP handlers): each connection lives on its
/// own serial queue, so the event loop never blocks and no connection is shared between threads.
public final class DatabasePool: Sendable {
    private final class Slot: @unchecked Sendable {
        // Touched only on `queue`.
        var connection: PostgresConnection?
        let queue: DispatchQueue
        init(index: Int) { queue = DispatchQueue(label: "tthc.db.\(index)") }
    }

    private let slots: [Slot]
    private let next = Atomic<Int>(0)
    private let open: @Sendable () throws -> PostgresConnection

    public init(size: Int, open: @escaping @Sendable () throws -> PostgresConnection) {
        self.slots = (0..<max(size, 1)).map { Slot(index: $0) }
        self.open = open
    }

    /// Runs `body` with a connection, off the caller's thread; reconnects a lost connection.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let slot = slots[next.add(1, ordering: .relaxed).oldValue % slots.count]
        let open = self.open
        return try await withCheckedThrowingContinuation { continuation in
            slot.queue.async {
                do {
                    if slot.connection?.isConnected != true { slot.connection = try open() }
                    let connection = slot.connection!
                    do {
                        continuation.resume(returning: try body(connection))
                    } catch {
                        connection.rollbackQuietly()
                        continuation.resume(throwing: error)
                    }
                } catch {
                    slot.connection = nil
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
