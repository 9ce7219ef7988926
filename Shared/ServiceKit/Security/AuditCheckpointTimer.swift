import Contracts
import Foundation
import Persistence

/// Publishes the heads of the audit log's chains that moved since the last checkpoint
/// (`audit.checkpoint.v1`, kept by archive), then arms itself again. Every service with an audit
/// log runs it (`ServiceDefinition` adds it); `TTHC_AUDIT_CHECKPOINT_SECONDS` (300) sets the period.
public struct AuditCheckpointTimer: TimerHandler {
    public static let kind = "audit-checkpoint"
    public var kind: String { Self.kind }
    public var armedAtStart: [String] { ["heads"] }
    /// Heads per message: well inside the broker's message limit.
    static let headsPerCheckpoint = 2000
    let period: TimeInterval

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        period = environment["TTHC_AUDIT_CHECKPOINT_SECONDS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 300
    }

    public func fire(_ timer: DueTimer, context: HandlerContext) throws {
        // Read without locking the heads (writers update them); the published marks are the timer's own.
        let heads = try context.db.execute("""
            WITH moved AS (
                SELECT h.chain, h.seq, h.hash FROM audit_chain_heads h LEFT JOIN audit_chain_published p ON p.chain = h.chain
                WHERE h.seq > coalesce(p.seq, 0) ORDER BY h.chain LIMIT \(Self.headsPerCheckpoint)),
            marked AS (
                INSERT INTO audit_chain_published (chain, seq) SELECT chain, seq FROM moved
                ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq),
            -- What retention may later remove up to (AuditRetentionTimer).
            remembered AS (
                INSERT INTO audit_checkpoint_history (chain, seq, hash, published_at) SELECT chain, seq, hash, $1::timestamptz FROM moved
                ON CONFLICT DO NOTHING)
            SELECT chain, seq, encode(hash, 'hex') AS hash FROM moved
            """, [context.now]).rows.map { AuditCheckpointV1.Head(chain: try $0.string("chain"), seq: try $0.int("seq"), hash: try $0.string("hash")) }
        if !heads.isEmpty {
            try context.emit(.auditCheckpoint, subject: nil, data: AuditCheckpointV1(heads: heads.sorted { $0.chain < $1.chain },
                                                                                     checkpointedAt: context.now))
        }
        // More moved heads than one message holds: the rest at once.
        let next = heads.count == Self.headsPerCheckpoint ? context.now : context.now.addingTimeInterval(period)
        try Timers.schedule(kind: Self.kind, key: timer.key, dueAt: next, payload: [String: String](), in: context)
    }
}
