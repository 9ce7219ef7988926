import Contracts
import Crypto
import Foundation
import Persistence
import ServiceKit
import Signatures

/// A stored document's detached signature (Đ.14.2), verified where the bytes are: the signature
/// file is sealed with the document's data key, its facts kept and announced again with the
/// document's (`document.stored.v1`, now with `signature`), so validation judges the signer
/// without the bytes.
extension DocumentStore {
    /// The AAD number of a sealed signature: not a chunk of the content.
    static let signatureSealNumber = -1
    /// A CMS signature with its certificate chain is a few KiB; more is not a signature.
    static let signatureMaxBytes = 64 * 1024

    enum SignatureAttached {
        case attached(Facts)
        /// The same signature again: the facts as they are.
        case alreadyAttached(Facts)
        /// Another signature is already kept for this document.
        case conflict
    }

    /// The whole content of a stored document, for verifying a signature over it (at most the
    /// catalog's 10 MiB, held once while OpenSSL reads it).
    func content(of facts: Facts) async throws -> [UInt8] {
        var content: [UInt8] = []
        content.reserveCapacity(facts.sizeBytes)
        try await read(facts, key: try key(of: facts), range: 0...(facts.sizeBytes - 1)) { content += $0 }
        return content
    }

    func attach(signature: [UInt8], verified: VerifiedSignature, to facts: Facts, at now: Date) async throws -> SignatureAttached {
        let digest = sha256Hex(signature)
        let sealed = try DocumentEnvelope.sealChunk(signature, key: try key(of: facts), documentId: facts.documentId,
                                                    number: Self.signatureSealNumber)
        return try await resources.transaction { context -> SignatureAttached in
            let inserted = try context.db.execute("""
                INSERT INTO document_signatures (document_id, sealed, signature_sha256, subject, common_name, subject_serial_number,
                                                 signing_time, verified_at)
                VALUES ($1::uuid, $2::bytea, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz) ON CONFLICT DO NOTHING RETURNING 1
                """, [facts.documentId, ByteA(sealed), digest, verified.subject, verified.commonName, verified.subjectSerialNumber,
                      verified.signingTime, now]).first != nil
            guard let current = try Self.facts(facts.documentId, db: context.db) else { throw DocumentVanished(documentId: facts.documentId) }
            guard inserted else {
                return current.signature?.signatureSha256 == digest ? .alreadyAttached(current) : .conflict
            }
            try context.emit(.documentStored, subject: nil, data: current.announced)
            return .attached(current)
        }
    }
}
