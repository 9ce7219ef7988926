import Contracts
import Foundation
import Persistence
import ServiceKit

/// `audit.checkpoint.v1` from every service with an audit log: its chains' heads kept, one row per
/// (service, chain, link), ON CONFLICT DO NOTHING. The service is the verified publisher (`tthc-<name>`).
struct AuditCheckpointHandler: MessageHandler {
    let tables = ["audit_checkpoints"]
    let messageType = MessageType.auditCheckpoint
    var idempotentByMessageId: Bool { true }

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        guard let sender = message.sender, sender.hasPrefix("tthc-") else {
            throw PermanentFailure(code: "not-authorised", reason: "an audit checkpoint from no service")
        }
        let checkpoint = try message.decode(AuditCheckpointV1.self).data
        guard !checkpoint.heads.isEmpty else { return }
        try context.db.execute("""
            INSERT INTO audit_checkpoints (service, chain, seq, hash, checkpointed_at)
            SELECT $1, chain, seq, hash, $5::timestamptz FROM unnest($2::text[], $3::bigint[], $4::text[]) AS t(chain, seq, hash)
            ON CONFLICT DO NOTHING
            """, [String(sender.dropFirst("tthc-".count)), PostgresArray(checkpoint.heads.map(\.chain)),
                  PostgresArray(checkpoint.heads.map { String($0.seq) }), PostgresArray(checkpoint.heads.map(\.hash)),
                  checkpoint.checkpointedAt])
    }
}
