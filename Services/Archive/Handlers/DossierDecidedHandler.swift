import Contracts
import Foundation
import Signatures
import Persistence
import ServiceKit

/// `dossier.decided.v1` → a stored result with its code → `result.issued.v1`.
/// Digital signing of the result (Đ.17.3b) comes with the archive issue.
struct DossierDecidedHandler: BatchMessageHandler {
    let tables = ["results", "document_numbers"]
    let messageType = MessageType.dossierDecided

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let db = context.db
        let decoded = try batch.map { ($0, try $0.decode(DossierDecidedV1.self).data) }
        var decisions: [(IncomingMessage, DossierDecidedV1)] = []
        var seen = Set(try db.execute("SELECT dossier_code FROM results WHERE dossier_code = ANY($1::text[])",
                                      [PostgresArray(decoded.map(\.1.dossierCode))])
            .rows.map { try $0.string("dossier_code") })
        // Already archived (here or earlier in this batch): nothing to do.
        for (message, decided) in decoded where seen.insert(decided.dossierCode).inserted {
            decisions.append((message, decided))
        }
        guard !decisions.isEmpty else { return }
        let numbers = try takeNumbers(for: decisions.map { DocumentType.code(for: $0.1) }, db: db)
        var results: [ResultIssuedV1] = []
        var contents: [String] = []
        for ((_, decided), number) in zip(decisions, numbers) {
            let documentType = DocumentType.code(for: decided)
            let content = try WireJSON.encode(decided)
            contents.append(String(decoding: content, as: UTF8.self))
            results.append(ResultIssuedV1(
                dossierCode: decided.dossierCode,
                resultCode: resultCode(holder: decided.memberId, documentTypeCode: documentType, number: number),
                documentTypeCode: documentType, memberId: decided.memberId, decision: decided.decision,
                sha256: sha256Hex(content), issuedAt: context.now))
        }
        try db.executeDeferred("""
            INSERT INTO results (result_code, dossier_code, member_id, document_type_code, decision, content, sha256, issued_at)
            SELECT result_code, dossier_code, member, document_type, decision, content, sha256, $8::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[])
                AS t(result_code, dossier_code, member, document_type, decision, content, sha256)
            """, [PostgresArray(results.map(\.resultCode)), PostgresArray(results.map(\.dossierCode)),
                  PostgresArray(results.map(\.memberId)), PostgresArray(results.map(\.documentTypeCode)),
                  PostgresArray(results.map(\.decision.rawValue)), PostgresArray(contents),
                  PostgresArray(results.map(\.sha256)), context.now])
        for ((message, _), result) in zip(decisions, results) {
            try context.emit(.resultIssued, subject: result.dossierCode, data: result, causedBy: message)
        }
    }

    /// The next document numbers per document type, in order (gap-free, in this transaction).
    private func takeNumbers(for documentTypes: [String], db: PostgresConnection) throws -> [Int] {
        let reservation = NumberReservation(for: documentTypes)
        let rows = try db.execute("""
            INSERT INTO document_numbers (document_type_code, last_value)
            SELECT type, n FROM unnest($1::text[], $2::int[]) AS t(type, n) ORDER BY type
            ON CONFLICT (document_type_code) DO UPDATE SET last_value = document_numbers.last_value + excluded.last_value
            RETURNING document_type_code, last_value
            """, [PostgresArray(reservation.keys), PostgresArray(reservation.counts)])
        let last = try rows.rows.reduce(into: [String: Int]()) { $0[try $1.string("document_type_code")] = try $1.int("last_value") }
        return reservation.assign(documentTypes, lastValues: last)
    }
}

/// Result document types per procedure.
enum DocumentType {
    static func code(for decided: DossierDecidedV1) -> String {
        if decided.decision == .refused { return "TBTC" }  // thông báo từ chối
        switch decided.procedureCode {
        case ProcedureCode.officialTransfer, ProcedureCode.temporaryTransfer: return "GGT"  // giấy giới thiệu
        case ProcedureCode.residenceComments: return "PNX"  // phiếu nhận xét
        default: return "KQ"
        }
    }
}
