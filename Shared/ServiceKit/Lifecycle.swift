import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Set once to ask a worker thread to finish what it holds and stop.
public final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    public init() {}
    public var isSet: Bool { flag.load(ordering: .acquiring) }
    public func set() { flag.store(true, ordering: .releasing) }
}

/// Wakes the outbox relay right after a commit, so events leave without waiting for a poll.
public final class WakeSignal: @unchecked Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    public init() {}
    public func signal() { semaphore.signal() }

    /// Waits up to `timeout` seconds; drains extra signals so one wait covers many commits.
    public func wait(timeout: TimeInterval) {
        _ = semaphore.wait(timeout: .now() + timeout)
        while semaphore.wait(timeout: .now()) == .success {}
    }
}

/// Sleeps in small steps, returning early when `stop` is set. Used for back-off only.
func pause(_ seconds: TimeInterval, unless stop: StopFlag) {
    let deadline = Date().addingTimeInterval(seconds)
    while !stop.isSet, Date() < deadline { usleep(20_000) }
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
