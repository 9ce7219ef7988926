import Contracts
import Foundation
import Persistence
import ServiceKit

/// An organisation's audit trail in routing, for inspection (Đ.19.3b): what its officers saw and
/// decided, allowed or refused, newest first. The organisation itself, those above it and auditors
/// may read it; anyone else gets 403, and the attempt is itself audited.
extension OfficerRoutes {
    static let auditTrailLimit = 1000

    func auditTrail(code: String, _ query: FiguresQuery, _ call: OfficerCall) throws -> HTTPAnswer {
        if let problem = query.problem { return try HTTPAnswer.error(.badRequest, problem.code, problem.message) }
        guard try mayOversee(code, call, action: "read-audit") else {
            return try HTTPAnswer.error(.forbidden, "forbidden",
                                        "Chỉ tổ chức \(code), cấp ủy cấp trên của tổ chức này hoặc cán bộ kiểm tra mới xem được nhật ký của tổ chức này.")
        }
        let entries = try call.context.db.execute("""
            SELECT \(AuditRecord.columnsSQL) FROM audit_log
            WHERE organisation_code = $1 AND ($2::timestamptz IS NULL OR at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR at < $3::timestamptz)
            ORDER BY at DESC, id DESC LIMIT \(Self.auditTrailLimit)
            """, [code, query.from, query.until]).rows.map { try AuditRecord(row: $0) }
        return try query.answer(rows: entries, columns: ["at", "personId", "role", "action", "dossierCode", "memberId", "allowed", "detail"]) {
            [$0.at, $0.personId, $0.role, $0.action, $0.dossierCode, $0.memberId, String($0.allowed), $0.detail]
        }
    }
}
