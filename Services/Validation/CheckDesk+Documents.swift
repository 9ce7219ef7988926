import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// Archive's document facts (`validation.document_facts`) and the dossiers waiting for them.
extension CheckDesk {
    /// The facts of every document `contents` reference, by id. `locking`: false when rechecking a
    /// dossier already waiting for documents under its row lock (facts only grow, so nothing can put
    /// it back to waiting unseen, and taking document locks after the row lock could cycle with
    /// another replica storing facts of its other documents).
    func documentFacts(of contents: [DossierContent], locking: Bool = true, db: PostgresConnection) throws -> [String: DocumentStoredV1] {
        let ids = Set(contents.flatMap { content in
            content.attachments.compactMap(\.documentId) + [content.delegation?.document?.documentId].compactMap { $0 }
        })
        guard !ids.isEmpty else { return [:] }
        if locking { try lockDocuments(Array(ids), exclusive: false, db: db) }
        var facts: [String: DocumentStoredV1] = [:]
        for row in try db.execute("SELECT facts::text AS facts FROM document_facts WHERE document_id = ANY($1::text[])",
                                  [PostgresArray(ids.sorted())]).rows {
            let document = try row.json(DocumentStoredV1.self, "facts")
            facts[document.documentId] = document
        }
        return facts
    }

    /// Keeps facts; facts only grow, so a copy without the signature never replaces one with it
    /// (the two announcements may arrive in either order, twice, or in one batch).
    func storeDocumentFacts(_ batch: [DocumentStoredV1], db: PostgresConnection) throws {
        var latest: [String: DocumentStoredV1] = [:]
        for document in batch where latest[document.documentId]?.signature == nil { latest[document.documentId] = document }
        let documents = latest.values.sorted { $0.documentId < $1.documentId }
        try lockDocuments(documents.map(\.documentId), exclusive: true, db: db)
        try db.execute("""
            INSERT INTO document_facts (document_id, facts, signed)
            SELECT * FROM unnest($1::text[], $2::jsonb[], $3::boolean[])
            ON CONFLICT (document_id) DO UPDATE SET facts = excluded.facts, signed = excluded.signed, updated_at = now()
            WHERE excluded.signed OR NOT document_facts.signed
            """, [PostgresArray(documents.map(\.documentId)), try PostgresArray.json(documents),
                  PostgresArray(documents.map { $0.signature != nil })])
    }

    /// Transaction-scoped advisory locks on document ids (in key order), as for members: a check
    /// that reads no facts (shared) and the facts arriving (exclusive) are serialised, so either
    /// the check sees the facts or the facts' handler sees the dossier waiting for them.
    private func lockDocuments(_ ids: [String], exclusive: Bool, db: PostgresConnection) throws {
        try lock(ids, namespace: "validation.document", exclusive: exclusive, db: db)
    }

    /// Records which documents (by id) and results (by code) a dossier waits for (status `awaiting-documents`).
    func awaitDocuments(_ ids: [String], dossier code: String, db: PostgresConnection) throws {
        try db.execute("UPDATE dossiers SET awaited_documents = $2::text[] WHERE code = $1", [code, PostgresArray(ids)])
    }

    /// Dossiers waiting for one of these documents, locked, by code.
    func awaitingDocuments(_ ids: [String], db: PostgresConnection) throws -> [(code: String, revision: Int, memberId: String, deadline: Date?)] {
        try db.execute("""
            SELECT code, revision, member_id, \(rfc3339SQL("check_deadline")) AS deadline FROM dossiers
            WHERE status = '\(DossierCheckStatus.awaitingDocuments.rawValue)' AND awaited_documents && $1::text[]
            ORDER BY code FOR UPDATE
            """, [PostgresArray(ids)]).rows.map { row in
            (try row.string("code"), try row.int("revision"), try row.string("member_id"),
             try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp))
        }
    }

    /// Checks again the dossiers waiting for one of these documents (by id) or results (by code),
    /// when their facts arrived: under each dossier's row lock alone (see `documentFacts`).
    func recheckAwaiting(_ ids: [String], context: HandlerContext) throws {
        try recheckWaiting(try awaitingDocuments(ids, db: context.db), lockingDocuments: false, context: context)
    }

    /// Checks again the dossiers that were waiting (for the registry or for documents' facts), each
    /// at its latest revision, against the members now known.
    func recheckWaiting(_ waiting: [(code: String, revision: Int, memberId: String, deadline: Date?)], lockingDocuments: Bool = true,
                        context: HandlerContext) throws {
        guard !waiting.isEmpty else { return }
        let current = try members(waiting.map(\.memberId), db: context.db)
        for dossier in waiting {
            guard let content = try revisions(of: dossier.code, db: context.db).last?.content else { continue }
            try recheck(content, revision: dossier.revision, member: current[dossier.memberId],
                        deadline: dossier.deadline ?? context.now, cause: nil, context: context, lockingDocuments: lockingDocuments)
        }
    }
}
