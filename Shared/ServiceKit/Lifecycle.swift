import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Set once to ask a worker thread to finish what it holds and stop; a worker backing off waits
/// on it and wakes the moment it is set.
public final class StopFlag: @unchecked Sendable {
    private let flag = Atomic<Bool>(false)
    private let condition = NSCondition()
    public init() {}
    public var isSet: Bool { flag.load(ordering: .acquiring) }

    public func set() {
        condition.lock()
        flag.store(true, ordering: .releasing)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits `seconds`, or less when the flag is set meanwhile (back-off between reconnections).
    public func wait(_ seconds: TimeInterval) {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while !isSet, condition.wait(until: deadline) {}
    }
}

/// Wakes the outbox relay right after a commit, so events leave without waiting for a poll.
public final class WakeSignal: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    public init() {}
    public func signal() { semaphore.signal() }

    /// Waits up to `timeout` seconds; drains extra signals so one wait covers many commits.
    /// Returns whether it was signalled (rather than timed out).
    @discardableResult
    public func wait(timeout: TimeInterval) -> Bool {
        let signalled = semaphore.wait(timeout: .now() + timeout) == .success
        drain()
        return signalled
    }

    /// Forgets the signals given so far (their work is about to be covered anyway).
    public func drain() {
        while semaphore.wait(timeout: .now()) == .success {}
    }
}

/// A blocking worker (it owns C connections that must stay on one thread) run on a dedicated
/// thread as a ServiceLifecycle service: graceful shutdown sets its stop flag and waits for it.
public struct ThreadService: Service, CustomStringConvertible {
    public let description: String
    let body: @Sendable (StopFlag) -> Void

    public init(name: String, body: @escaping @Sendable (StopFlag) -> Void) {
        self.description = name
        self.body = body
    }

    public func run() async throws {
        let stop = StopFlag()
        let body = self.body
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let thread = Thread {
                        body(stop)
                        continuation.resume()
                    }
                    thread.name = description
                    thread.stackSize = 8 << 20
                    thread.start()
                }
            } onGracefulShutdown: {
                stop.set()
            }
        } onCancel: {
            stop.set()
        }
    }
}

/// Readiness of the parts of a service: ready when every registered part reports up.
public final class HealthState: Sendable {
    private let parts = Mutex<[String: Bool]>([:])
    public init() {}

    public func set(_ part: String, up: Bool) { parts.withLock { $0[part] = up } }

    public var snapshot: [String: Bool] { parts.withLock { $0 } }

    public var isReady: Bool { parts.withLock { !$0.isEmpty && $0.values.allSatisfy { $0 } } }
}
