import Contracts
import Foundation
import Persistence
import ServiceKit

/// Which documents a dossier references (`dossier.received.v1`, `dossier.supplement-received.v1`;
/// each component version and the delegation letter, by document id, or inline in a v1 dossier and
/// then handed over here) and, from the receipt, its receiving organisation as its first
/// participant: the reading rights of `DocumentReaders`. A receipt that gives components by earlier
/// results (Đ.13.2) is answered with `result.references-checked.v1`, for validation to judge.
struct DossierDocumentsHandler: BatchMessageHandler {
    let tables = ["documents", "document_chunks", "dossier_documents", "dossier_holders", "dossier_participants",
                  "dossier_result_references"]
    let messageType: MessageType
    let handover: InlineDocumentHandover

    static func all(handover: InlineDocumentHandover) -> [DossierDocumentsHandler] {
        [DossierDocumentsHandler(messageType: .dossierReceived, handover: handover),
         DossierDocumentsHandler(messageType: .dossierSupplementReceived, handover: handover)]
    }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        var references: [(dossier: String, document: AttachmentReference)] = []
        var participants: [(dossier: String, organisation: String)] = []
        var results: [(dossier: String, reference: ResultReference)] = []
        var checks: [(received: DossierReceivedV1, message: IncomingMessage)] = []
        for message in batch {
            let dossier: String, holder: DossierHolder?, documents: [AttachmentReference]
            if messageType == .dossierReceived {
                let received = try message.decode(DossierReceivedV1.self).data
                (dossier, documents) = (received.dossierCode, received.attachments + [received.delegation?.document].compactMap { $0 })
                holder = DossierHolder(dossier: dossier, integrator: received.integrator, memberId: received.submitter.memberId,
                                       procedure: received.procedureCode)
                try holder?.record(db: context.db)
                participants.append((dossier, received.receivingOrganisationCode))
                results += (received.resultReferences ?? []).map { (dossier, $0) }
                if !(received.resultReferences ?? []).isEmpty { checks.append((received, message)) }
            } else {
                let supplement = try message.decode(DossierSupplementReceivedV1.self).data
                // No holder: a dossier from before this release (or, rarely, its receipt still behind
                // in another replica): its inline bytes stay in validation's revisions only.
                (dossier, documents) = (supplement.dossierCode, supplement.attachments)
                holder = try DossierHolder.of(dossier, db: context.db)
            }
            for var document in documents {
                if let holder, let handed = try handover.store(document, of: holder, at: context.now, db: context.db) {
                    document.documentId = handed
                }
                references.append((dossier, document))
            }
        }
        try DocumentReaders.reference(references.compactMap { dossier, document in
            document.documentId.map { (dossier, $0, document.componentCode, document.fileName) }
        }, at: context.now, db: context.db)
        if !results.isEmpty {
            try context.db.execute("""
                INSERT INTO dossier_result_references (dossier_code, result_code, component_code, referenced_at)
                SELECT code, result, component, $4::timestamptz FROM unnest($1::text[], $2::text[], $3::text[]) AS t(code, result, component)
                ON CONFLICT DO NOTHING
                """, [PostgresArray(results.map(\.dossier)), PostgresArray(results.map(\.reference.resultCode)),
                      PostgresArray(results.map(\.reference.componentCode)), context.now])
        }
        try DocumentReaders.add(participants, at: context.now, db: context.db)
        for (received, message) in checks {
            try context.emit(.resultReferencesChecked, subject: received.dossierCode, data: try DocumentReaders.check(
                received.resultReferences ?? [], of: received.submitter.memberId, dossier: received.dossierCode, at: context.now,
                db: context.db), causedBy: message)
        }
    }
}

/// `dossier.step-assigned.v1`: the step's organisation takes part in the dossier's route from now.
struct RouteParticipantHandler: BatchMessageHandler {
    let tables = ["dossier_participants"]
    let messageType = MessageType.dossierStepAssigned

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let steps = try batch.map { try $0.decode(DossierStepAssignedV1.self).data }
        try DocumentReaders.add(steps.map { ($0.dossierCode, $0.organisationCode) }, at: context.now, db: context.db)
    }
}

/// Reading rights on documents: auditors read any; an officer of an organisation reads the
/// documents of the dossiers whose route their organisation takes part in. A dossier's reference
/// counts only for a document its own integrator uploaded for its own member (`dossier_holders`):
/// a submitter who names someone else's document id gains nobody a right to read it.
enum DocumentReaders {
    /// The references a dossier may grant reading by: documents of the dossier's integrator and member.
    static let ownReferences = """
        dossier_documents d JOIN dossier_holders h ON h.dossier_code = d.dossier_code
        JOIN documents doc ON doc.document_id = d.document_id AND doc.integrator = h.integrator AND doc.member_id = h.member_id
        """

    /// The documents each dossier (or PAKN item) references by id; ids that are not UUIDs reference nothing.
    static func reference(_ references: [(dossier: String, documentId: String, componentCode: String, fileName: String)],
                          at now: Date, db: PostgresConnection) throws {
        let referenced = references.filter { UUID(uuidString: $0.documentId) != nil }
        guard !referenced.isEmpty else { return }
        try db.execute("""
            INSERT INTO dossier_documents (dossier_code, document_id, component_code, file_name, referenced_at)
            SELECT code, id::uuid, component, file, $5::timestamptz FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                AS t(code, id, component, file)
            ON CONFLICT DO NOTHING
            """, [PostgresArray(referenced.map(\.dossier)), PostgresArray(referenced.map(\.documentId)),
                  PostgresArray(referenced.map(\.componentCode)), PostgresArray(referenced.map(\.fileName)), now])
    }

    static func add(_ participants: [(dossier: String, organisation: String)], at now: Date, db: PostgresConnection) throws {
        guard !participants.isEmpty else { return }
        try db.execute("""
            INSERT INTO dossier_participants (dossier_code, organisation_code, since)
            SELECT code, organisation, $3::timestamptz FROM unnest($1::text[], $2::text[]) AS t(code, organisation)
            ON CONFLICT DO NOTHING
            """, [PostgresArray(participants.map(\.dossier)), PostgresArray(participants.map(\.organisation)), now])
    }

    /// A dossier referencing `documentId` in whose route `organisation` takes part; nil when none.
    static func dossier(readableBy organisation: String, document documentId: String, db: PostgresConnection) throws -> String? {
        guard UUID(uuidString: documentId) != nil else { return nil }
        return try db.execute("""
            SELECT d.dossier_code FROM \(ownReferences)
            JOIN dossier_participants p ON p.dossier_code = d.dossier_code AND p.organisation_code = $2
            WHERE d.document_id = $1::uuid ORDER BY d.dossier_code LIMIT 1
            """, [documentId, organisation]).first.map { try $0.string("dossier_code") }
    }

    static func takesPart(_ organisation: String, in dossier: String, db: PostgresConnection) throws -> Bool {
        try db.execute("SELECT 1 FROM dossier_participants WHERE dossier_code = $1 AND organisation_code = $2",
                       [dossier, organisation]).first != nil
    }

    /// Each referenced result code as the data store knows it for `memberId`: found only when it was
    /// issued to them (a held result has no code yet); of another's result nothing is said.
    static func check(_ references: [ResultReference], of memberId: String, dossier: String, at now: Date,
                      db: PostgresConnection) throws -> ResultReferencesCheckedV1 {
        let codes = Array(Set(references.map(\.resultCode))).sorted()
        var found: [String: ResultReferencesCheckedV1.Checked] = [:]
        for row in try db.execute("""
            SELECT result_code, document_type_code, decision, \(rfc3339SQL("revoked_at")) AS revoked_at FROM results
            WHERE result_code = ANY($1::text[]) AND member_id = $2 AND status IN ('issued', 'revoked')
            """, [PostgresArray(codes), memberId]).rows {
            let code = try row.string("result_code")
            found[code] = .init(resultCode: code, found: true, documentTypeCode: try row.string("document_type_code"),
                                approved: try row.string("decision") == DossierDecidedV1.Decision.approved.rawValue,
                                revokedAt: try row.optionalString("revoked_at").flatMap(WireJSON.parseTimestamp))
        }
        return ResultReferencesCheckedV1(dossierCode: dossier, results: codes.map { found[$0] ?? .init(resultCode: $0, found: false) },
                                         checkedAt: now)
    }

    /// The results a dossier gives components by (Đ.13.2): only its own member's, issued or revoked.
    static func results(of dossier: String, db: PostgresConnection)
        throws -> [(componentCode: String, resultCode: String, documentTypeCode: String, revoked: Bool, token: String)] {
        try db.execute("""
            SELECT r.component_code, r.result_code, res.document_type_code, res.status, res.verification_token
            FROM dossier_result_references r JOIN dossier_holders h ON h.dossier_code = r.dossier_code
            JOIN results res ON res.result_code = r.result_code AND res.member_id = h.member_id
            WHERE r.dossier_code = $1 AND res.verification_token IS NOT NULL ORDER BY r.referenced_at, r.component_code
            """, [dossier]).rows.map {
            (try $0.string("component_code"), try $0.string("result_code"), try $0.string("document_type_code"),
             try $0.string("status") == "revoked", try $0.string("verification_token"))
        }
    }

    /// The documents a dossier references, in the order they were referenced.
    static func documents(of dossier: String, db: PostgresConnection) throws -> [(documentId: String, componentCode: String, fileName: String)] {
        try db.execute("""
            SELECT d.document_id::text AS id, d.component_code, d.file_name FROM \(ownReferences) WHERE d.dossier_code = $1
            ORDER BY d.referenced_at, d.component_code, d.document_id
            """, [dossier]).rows.map { (try $0.string("id"), try $0.string("component_code"), try $0.string("file_name")) }
    }
}

/// Whose a dossier is (from its receipt): the owner of the documents its amendments hand over.
struct DossierHolder: Sendable {
    let dossier: String
    let integrator: String
    let memberId: String
    let procedure: String

    func record(db: PostgresConnection) throws {
        try db.execute("""
            INSERT INTO dossier_holders (dossier_code, integrator, member_id, procedure_code) VALUES ($1, $2, $3, $4)
            ON CONFLICT DO NOTHING
            """, [dossier, integrator, memberId, procedure])
    }

    static func of(_ dossier: String, db: PostgresConnection) throws -> DossierHolder? {
        try db.execute("SELECT integrator, member_id, procedure_code FROM dossier_holders WHERE dossier_code = $1", [dossier]).first.map {
            DossierHolder(dossier: dossier, integrator: try $0.string("integrator"), memberId: try $0.string("member_id"),
                          procedure: try $0.string("procedure_code"))
        }
    }
}
