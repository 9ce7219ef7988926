import Contracts
import Foundation
import Persistence
import ServiceKit
import Signatures

/// `dossier.submit.v1`'s inline components, handed to archive once (issue 17): the bytes that
/// arrive in `dossier.received.v1` / `dossier.supplement-received.v1` are stored as documents like
/// uploaded ones (sealed in chunks under a data key of their own), so the committees read them the
/// same way and intake keeps only their digests. A component whose bytes are not PDF, JPEG or PNG is
/// kept as `application/octet-stream`, never served under a type its sender chose.
struct InlineDocumentHandover: Sendable {
    let envelope: DocumentEnvelope

    /// An inline component's document id, derived from the dossier, the component and the digest of
    /// the bytes that came (not the declared one: corrected bytes under the same declaration are
    /// another document), name-based like a UUID v5: the same event again stores nothing new.
    static func documentId(dossier: String, componentCode: String, contentSha256: String) -> String {
        var bytes = Array(sha256(Array("inline:\(dossier):\(componentCode):\(contentSha256)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let uuid = UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        return uuid.uuidString.lowercased()
    }

    /// Stores `attachment`'s bytes as a document of `dossier`; its id, or nil when it carries none.
    func store(_ attachment: AttachmentReference, of received: DossierHolder,
               at now: Date, db: PostgresConnection) throws -> String? {
        guard attachment.documentId == nil, let encoded = attachment.contentBase64,
              let bytes = Data(base64Encoded: encoded).map(Array.init), !bytes.isEmpty else { return nil }
        let digest = sha256Hex(bytes)
        let id = Self.documentId(dossier: received.dossier, componentCode: attachment.componentCode, contentSha256: digest)
        let (key, wrapped) = try envelope.newDataKey(for: id)
        let chunks = stride(from: 0, to: bytes.count, by: DocumentStore.chunkBytes).map {
            Array(bytes[$0..<min($0 + DocumentStore.chunkBytes, bytes.count)])
        }
        guard try db.execute("""
            INSERT INTO documents (document_id, integrator, member_id, procedure_code, component_code, media_type, status,
                                   size_bytes, sha256, chunk_count, master_key_id, wrapped_key, started_at, stored_at)
            VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::bytea, $13::timestamptz, $13::timestamptz)
            ON CONFLICT DO NOTHING RETURNING 1
            """, [id, received.integrator, received.memberId, received.procedure, attachment.componentCode,
                  MediaSniffer.type(of: bytes) ?? "application/octet-stream", DocumentStore.Status.stored.rawValue, bytes.count,
                  digest, chunks.count, wrapped.masterKeyId, ByteA(wrapped.bytes), now]).first != nil
        else { return id }
        for (number, chunk) in chunks.enumerated() {
            try PostgresDocumentChunks.put(try DocumentEnvelope.sealChunk(chunk, key: key, documentId: id, number: number),
                                           documentId: id, number: number, db: db)
        }
        return id
    }
}
