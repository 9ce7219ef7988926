import Contracts
import Persistence
import ServiceKit

/// `dossier.decided.v1` → a stored result with its code → `result.issued.v1`.
/// Digital signing of the result (Đ.17.3b) comes with the archive issue.
struct DossierDecidedHandler: MessageHandler {
    let messageType = MessageType.dossierDecided

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let decided = try message.decode(DossierDecidedV1.self).data
        let db = context.db
        if try db.execute("SELECT 1 FROM results WHERE dossier_code = $1", [decided.dossierCode]).first != nil {
            return
        }
        let documentType = DocumentType.code(for: decided)
        let number = try db.execute("""
            INSERT INTO document_numbers (document_type_code, last_value) VALUES ($1, 1)
            ON CONFLICT (document_type_code) DO UPDATE SET last_value = document_numbers.last_value + 1
            RETURNING last_value
            """, [documentType]).first!.int("last_value")
        let code = resultCode(holder: decided.memberId, documentTypeCode: documentType, number: number)
        let content = try WireJSON.encode(decided)
        let digest = sha256Hex(content)
        try db.execute("""
            INSERT INTO results (result_code, dossier_code, member_id, document_type_code, decision, content, sha256, issued_at)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::timestamptz)
            """, [code, decided.dossierCode, decided.memberId, documentType, decided.decision.rawValue,
                  String(decoding: content, as: UTF8.self), digest, context.now])
        try context.emit(.resultIssued, subject: decided.dossierCode, data: ResultIssuedV1(
            dossierCode: decided.dossierCode, resultCode: code, documentTypeCode: documentType,
            memberId: decided.memberId, decision: decided.decision, sha256: digest, issuedAt: context.now))
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
