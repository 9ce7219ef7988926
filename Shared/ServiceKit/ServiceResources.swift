import Foundation
import Hummingbird
import Logging
import Messaging
import Persistence

/// What a service's own HTTP edge may use: the database (through a pool), the clock, and the
/// outbox, so that a request changes state and emits messages in one transaction, like a handler.
public struct ServiceResources: Sendable {
    public let configuration: ServiceConfiguration
    public let logger: Logger
    public let metrics: ServiceMetrics
    public let clock: ServiceClock
    public let database: DatabasePool
    let relayWake: WakeSignal

    /// Runs `body` in a transaction with a handler context: what it emits is written to the
    /// outbox in the same transaction, and the relay is woken after the commit if it emitted any.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (HandlerContext) throws -> T) async throws -> T {
        let service = configuration.service
        let now = clock.now
        // What the request emits continues its trace (TraceMiddleware).
        let traceparent = Tracing.current
        let (value, emitted, spans) = try await database.run { db in
            try db.transaction { tx in
                let context = HandlerContext(db: tx, service: service, now: now, traceparent: traceparent)
                let value = try body(context)
                try AuditLog.append(context.auditEntries, db: tx)
                try Outbox.insert(context.emitted, tx: tx)
                return (value, context.emitted.count, context.emittedSpans)
            }
        }
        spans.forEach { $0.end() }
        metrics.committed("http")
        if emitted > 0 { relayWake.signal() }
        return value
    }
}

/// Adds a service's own routes (e.g. intake's `POST /v1/dossiers`) next to health and metrics.
public typealias HTTPRoutes = @Sendable (Router<BasicRequestContext>, ServiceResources) -> Void
