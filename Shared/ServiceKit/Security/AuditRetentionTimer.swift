import Contracts
import Foundation
import Persistence

/// Audit retention (`TTHC_AUDIT_RETENTION_DAYS`, 0 by default: kept for ever): once an hour, each
/// chain's links older than the retention and covered by a checkpoint archive keeps are removed
/// (`audit_prune`, shared audit migration 4); the last one removed stays as the chain's anchor, from
/// which `tthc-admin audit verify` checks the rest and which must match a checkpoint. Back the
/// schema up first (Deploy/postgres/schema-backup.sh) if the removed links must stay somewhere.
public struct AuditRetentionTimer: TimerHandler {
    public static let kind = "audit-retention"
    public var kind: String { Self.kind }
    public var armedAtStart: [String] { ["prune"] }
    /// Each removal is itself an act in the audit log (periodic timers are not, otherwise).
    public var audited: Bool { days > 0 }
    let days: Int
    static let period: TimeInterval = 3600

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        days = environment["TTHC_AUDIT_RETENTION_DAYS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 0
    }

    public func fire(_ timer: DueTimer, context: HandlerContext) throws {
        if days > 0 {
            let before = context.now.addingTimeInterval(-Double(days) * 86_400)
            let removed = try context.db.execute("SELECT audit_prune($1::timestamptz) AS n", [before]).first?.int("n") ?? 0
            context.noteAudit(of: timer, detail: "\(removed) audit link(s) checkpointed before \(WireJSON.formatTimestamp(before)) removed")
        }
        try Timers.schedule(kind: Self.kind, key: timer.key, dueAt: context.now.addingTimeInterval(Self.period),
                            payload: [String: String](), in: context)
    }
}
