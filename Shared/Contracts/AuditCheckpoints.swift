import Foundation

/// `audit.checkpoint.v1`: a service publishes the heads of its audit log's hash chains that moved
/// since its last checkpoint (every `TTHC_AUDIT_CHECKPOINT_SECONDS`, 300 by default); archive keeps
/// them, out of the service's reach. A chain rewritten from some link on, head included, no longer
/// meets the checkpoint taken before (`tthc-admin audit verify`). The publishing service is the
/// broker-verified sender, never a field of the payload.
public struct AuditCheckpointV1: Codable, Sendable, Equatable {
    public struct Head: Codable, Sendable, Equatable {
        public var chain: String
        public var seq: Int
        /// SHA-256 of the chain's last link, lowercase hex.
        public var hash: String

        public init(chain: String, seq: Int, hash: String) {
            self.chain = chain
            self.seq = seq
            self.hash = hash
        }
    }

    public var heads: [Head]
    public var checkpointedAt: Date

    public init(heads: [Head], checkpointedAt: Date) {
        self.heads = heads
        self.checkpointedAt = checkpointedAt
    }
}

extension MessageType {
    public static let auditCheckpoint = MessageType("audit.checkpoint", major: 1)
}
