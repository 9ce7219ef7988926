import Contracts
import Crypto
import Foundation
import Persistence
import ServiceKit

/// Documents (issue 17) in archive's schema: written chunk by chunk as the upload arrives (never
/// whole in memory), each chunk sealed with the document's own data key (`DocumentEnvelope`), read
/// back chunk by chunk for any byte range. `documents.status`: uploading → stored; an upload that
/// fails is deleted with its chunks, one a crash interrupted is swept (`DocumentSweepTimer`).
struct DocumentStore: Sendable {
    enum Status: String, Sendable { case uploading, stored }

    static let chunkBytes = 256 * 1024
    let envelope: DocumentEnvelope
    /// The documents' facts (size, digest, wrapped key, status) stay in archive's tables; what
    /// they establish is announced through the outbox (`document.stored.v1`).
    let resources: ServiceResources
    var database: DatabasePool { resources.database }
    /// Where the sealed chunks go: archive's schema by default (`PostgresDocumentChunks`).
    let chunks: any DocumentChunkStorage

    /// A stored document's facts.
    struct Facts: Sendable {
        let documentId: String
        let integrator: String
        let memberId: String
        let procedureCode: String
        let componentCode: String
        let mediaType: String
        let sizeBytes: Int
        let sha256: String
        let chunkCount: Int
        let storedAt: Date
        let wrappedKey: DocumentEnvelope.WrappedKey
        /// Its verified detached signature, once uploaded.
        let signature: DocumentSignatureFacts?

        var answer: StoredDocumentV1 {
            StoredDocumentV1(documentId: documentId, sha256: sha256, sizeBytes: sizeBytes, mediaType: mediaType,
                             componentCode: componentCode, storedAt: storedAt, signature: signature)
        }

        var announced: DocumentStoredV1 {
            DocumentStoredV1(documentId: documentId, integrator: integrator, memberId: memberId, procedureCode: procedureCode,
                             componentCode: componentCode, mediaType: mediaType, sizeBytes: sizeBytes, sha256: sha256,
                             storedAt: storedAt, signature: signature)
        }
    }

    enum Begun {
        case started(SymmetricKey)
        case alreadyStored(Facts)
        case inProgress
    }

    /// Records the upload's start (its own committed row, so a crash leaves something to sweep).
    func begin(_ ticket: UploadTicketClaims, mediaType: String, at now: Date) async throws -> Begun {
        let id = ticket.jti.value
        let (key, wrapped) = try envelope.newDataKey(for: id)
        let inserted = try await database.run { db in
            try db.execute("""
                INSERT INTO documents (document_id, integrator, member_id, procedure_code, component_code, media_type, status,
                                       master_key_id, wrapped_key, started_at)
                VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8, $9::bytea, $10::timestamptz) ON CONFLICT DO NOTHING RETURNING 1
                """, [id, ticket.sub.value, ticket.member, ticket.procedure, ticket.component, mediaType, Status.uploading.rawValue,
                      wrapped.masterKeyId, ByteA(wrapped.bytes), now]).first != nil
        }
        if inserted { return .started(key) }
        if let stored = try await facts(id) { return .alreadyStored(stored) }
        return .inProgress
    }

    func write(chunk: [UInt8], number: Int, documentId: String, key: SymmetricKey) async throws {
        try await chunks.put(try DocumentEnvelope.sealChunk(chunk, key: key, documentId: documentId, number: number),
                             documentId: documentId, number: number)
    }

    /// Marks the upload stored and announces its facts, in one transaction.
    func finish(_ documentId: String, sizeBytes: Int, sha256: String, chunkCount: Int, at now: Date,
                uploadedBy ticket: UploadTicketClaims) async throws -> Facts {
        let stored = try await resources.transaction { context -> Facts? in
            guard try context.db.execute("""
                UPDATE documents SET status = $2, size_bytes = $3, sha256 = $4, chunk_count = $5, stored_at = $6::timestamptz
                WHERE document_id = $1::uuid AND status = $7 RETURNING 1
                """, [documentId, Status.stored.rawValue, sizeBytes, sha256, chunkCount, now, Status.uploading.rawValue]).first != nil,
                let facts = try Self.facts(documentId, db: context.db) else { return nil }
            // Stored: the member's document handed in by the integrator of the ticket.
            context.audit(AuditEntry(at: now, actorKind: .integrator, actorId: ticket.sub.value, action: "upload-document",
                                     memberId: ticket.member, allowed: true,
                                     detail: "\(documentId) \(ticket.procedure)/\(ticket.component)", origin: "http"))
            try context.emit(.documentStored, subject: nil, data: facts.announced)
            return facts
        }
        guard let stored else { throw DocumentVanished(documentId: documentId) }
        return stored
    }

    /// An upload that failed leaves nothing behind.
    /// Only an unfinished upload: a stored document is never touched.
    func abandon(_ documentId: String) async {
        let removed = (try? await database.run { db in
            try db.execute("DELETE FROM documents WHERE document_id = $1::uuid AND status = $2 RETURNING 1",
                           [documentId, Status.uploading.rawValue]).first != nil
        }) ?? false
        if removed { try? await chunks.delete(documentId: documentId) }
    }

    func facts(_ documentId: String) async throws -> Facts? {
        try await database.run { try Self.facts(documentId, db: $0) }
    }

    static func facts(_ documentId: String, db: PostgresConnection) throws -> Facts? {
        guard UUID(uuidString: documentId) != nil else { return nil }
        return try db.execute("""
            SELECT d.document_id::text AS id, integrator, member_id, procedure_code, component_code, media_type,
                   size_bytes::int AS size_bytes, sha256, chunk_count, master_key_id, wrapped_key,
                   \(rfc3339SQL("stored_at")) AS stored_at, s.subject, s.common_name, s.subject_serial_number,
                   \(rfc3339SQL("s.signing_time")) AS signing_time, s.signature_sha256, \(rfc3339SQL("s.verified_at")) AS verified_at
            FROM documents d LEFT JOIN document_signatures s ON s.document_id = d.document_id
            WHERE d.document_id = $1::uuid AND status = $2
            """, [documentId, Status.stored.rawValue]).first.map { row in
            let signature = try row.optionalString("subject").map { subject in
                DocumentSignatureFacts(subject: subject, commonName: try row.optionalString("common_name"),
                                       subjectSerialNumber: try row.optionalString("subject_serial_number"),
                                       signingTime: try row.optionalString("signing_time").flatMap(WireJSON.parseTimestamp),
                                       signatureSha256: try row.string("signature_sha256"),
                                       verifiedAt: WireJSON.parseTimestamp(try row.string("verified_at")) ?? Date(timeIntervalSince1970: 0))
            }
            return Facts(documentId: try row.string("id"), integrator: try row.string("integrator"), memberId: try row.string("member_id"),
                         procedureCode: try row.string("procedure_code"),
                         componentCode: try row.string("component_code"), mediaType: try row.string("media_type"),
                         sizeBytes: try row.int("size_bytes"), sha256: try row.string("sha256"), chunkCount: try row.int("chunk_count"),
                         storedAt: WireJSON.parseTimestamp(try row.string("stored_at")) ?? Date(timeIntervalSince1970: 0),
                         wrappedKey: .init(masterKeyId: try row.string("master_key_id"), bytes: try row.bytes("wrapped_key")),
                         signature: signature)
        }
    }

    /// The document's data key; fails when its master key is not configured.
    func key(of facts: Facts) throws -> SymmetricKey { try envelope.unwrap(facts.wrappedKey, for: facts.documentId) }

    /// Bytes `range` of a stored document, chunk by chunk, to `deliver` (which writes them out).
    func read(_ facts: Facts, key: SymmetricKey, range: ClosedRange<Int>, deliver: ([UInt8]) async throws -> Void) async throws {
        let first = range.lowerBound / Self.chunkBytes, last = range.upperBound / Self.chunkBytes
        for number in first...last {
            let id = facts.documentId
            guard let sealed = try await chunks.get(documentId: id, number: number) else { throw DocumentVanished(documentId: id) }
            let plain = try DocumentEnvelope.openChunk(sealed, key: key, documentId: id, number: number)
            let start = number == first ? range.lowerBound - number * Self.chunkBytes : 0
            let end = number == last ? range.upperBound - number * Self.chunkBytes : plain.count - 1
            try await deliver(Array(plain[start...end]))
        }
    }
}

/// Where sealed chunks are kept. Archive's schema by default; an S3-compatible object store (one
/// object per `<document id>/<chunk number>`, written once) can take its place for deployments that
/// outgrow one database: chunks are sealed before they leave archive, so the store sees no content.
protocol DocumentChunkStorage: Sendable {
    func put(_ sealed: [UInt8], documentId: String, number: Int) async throws
    func get(documentId: String, number: Int) async throws -> [UInt8]?
    /// Every chunk of a document (an upload abandoned). An object store also needs a lifecycle rule
    /// for chunks whose document row was swept after a crash.
    func delete(documentId: String) async throws
}

/// Chunks in `archive.document_chunks` (deleted with their document row).
struct PostgresDocumentChunks: DocumentChunkStorage {
    let database: DatabasePool

    func put(_ sealed: [UInt8], documentId: String, number: Int) async throws {
        try await database.run { try Self.put(sealed, documentId: documentId, number: number, db: $0) }
    }

    /// In a handler's transaction (`InlineDocumentHandover`).
    static func put(_ sealed: [UInt8], documentId: String, number: Int, db: PostgresConnection) throws {
        try db.execute("INSERT INTO document_chunks (document_id, chunk_number, sealed) VALUES ($1::uuid, $2, $3::bytea)",
                       [documentId, number, ByteA(sealed)])
    }

    func get(documentId: String, number: Int) async throws -> [UInt8]? {
        try await database.run { db in
            try db.execute("SELECT sealed FROM document_chunks WHERE document_id = $1::uuid AND chunk_number = $2", [documentId, number])
                .first.map { try $0.bytes("sealed") }
        }
    }

    func delete(documentId: String) async throws {
        try await database.run { db in
            try db.execute("DELETE FROM document_chunks WHERE document_id = $1::uuid", [documentId])
        }
    }
}

struct DocumentVanished: Error, CustomStringConvertible {
    let documentId: String
    var description: String { "document \(documentId) or one of its chunks is missing" }
}

/// Re-wraps data keys still wrapped by an older master key (rotation without downtime), a batch at
/// a time, and deletes uploads a crash left unfinished; armed at each start, it re-arms itself.
struct DocumentUpkeepTimer: TimerHandler {
    let envelope: DocumentEnvelope
    static let kind = "document-upkeep"
    var kind: String { Self.kind }
    var armedAtStart: [String] { ["all"] }
    /// An upload unfinished after this long was interrupted (tickets last 15 minutes).
    static let abandonedAfter: TimeInterval = 3600

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        try context.db.execute("DELETE FROM documents WHERE status = 'uploading' AND started_at < $1::timestamptz",
                               [context.now.addingTimeInterval(-Self.abandonedAfter)])
        let current = envelope.masterKeys.currentKeyId
        let old = try context.db.execute("""
            SELECT document_id::text AS id, master_key_id, wrapped_key FROM documents WHERE master_key_id <> $1
            ORDER BY document_id LIMIT 500 FOR UPDATE SKIP LOCKED
            """, [current]).rows
        var rewrappedCount = 0
        for row in old {
            let id = try row.string("id")
            // A data key whose master key is gone stays as it is (the gauge by master key shows it),
            // rather than failing this batch and every other timer of the service.
            guard let rewrapped = try? envelope.rewrap(
                .init(masterKeyId: try row.string("master_key_id"), bytes: try row.bytes("wrapped_key")), for: id) else { continue }
            try context.db.execute("UPDATE documents SET master_key_id = $2, wrapped_key = $3::bytea WHERE document_id = $1::uuid",
                                   [id, rewrapped.masterKeyId, ByteA(rewrapped.bytes)])
            rewrappedCount += 1
        }
        // Digitised results' scans are sealed the same way (PaperResultDigitiser).
        let scans = try context.db.execute("""
            SELECT dossier_code, result_number, scan_master_key_id, scan_wrapped_key FROM results
            WHERE scan_master_key_id <> $1 ORDER BY dossier_code LIMIT 500 FOR UPDATE SKIP LOCKED
            """, [current]).rows
        for row in scans {
            let record = try row.string("dossier_code")
            guard let rewrapped = try? envelope.rewrap(
                .init(masterKeyId: try row.string("scan_master_key_id"), bytes: try row.bytes("scan_wrapped_key")), for: record) else { continue }
            try context.db.execute("""
                UPDATE results SET scan_master_key_id = $3, scan_wrapped_key = $4::bytea WHERE dossier_code = $1 AND result_number = $2
                """, [record, try row.int("result_number"), rewrapped.masterKeyId, ByteA(rewrapped.bytes)])
            rewrappedCount += 1
        }
        // More to re-wrap: again a second later (a timer re-armed for now or earlier would count as
        // fired); otherwise every minute, so a rotation completes within one.
        try Timers.schedule(kind: kind, key: timer.key, dueAt: context.now.addingTimeInterval((old.count == 500 || scans.count == 500) && rewrappedCount > 0 ? 1 : 60),
                            payload: [String: String](), in: context)
    }

    /// Documents per master key id on `/metrics`: an old key may be removed once it has none.
    static let gauges = [
        StoredGauge(name: "documents_by_master_key", unit: "documents",
                    help: "Stored documents and digitised results' scans whose data key a master key wraps") { db in
            try db.execute("""
                SELECT master_key_id, count(*)::int AS n FROM (SELECT master_key_id FROM documents
                    UNION ALL SELECT scan_master_key_id FROM results WHERE scan_master_key_id IS NOT NULL) keys GROUP BY master_key_id
                """).rows.map {
                StoredGauge.Sample(labels: [("master_key", try $0.string("master_key_id"))], value: Double(try $0.int("n")))
            }
        },
    ]
}
