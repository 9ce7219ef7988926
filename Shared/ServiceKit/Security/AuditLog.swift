import Foundation
import Hummingbird
import Persistence

/// Who saw or changed what (Đ.19.3b): one row per attempt, allowed or not, in the service's own
/// `audit_log` table, written in the same transaction as what it records.
public enum AuditLog {
    public static func record(_ officer: OfficerClaims, action: String, dossierCode: String?, allowed: Bool,
                              detail: String? = nil, at: Date, db: PostgresConnection) throws {
        try db.execute("""
            INSERT INTO audit_log (at, person_id, organisation_code, role, action, dossier_code, allowed, detail)
            VALUES ($1::timestamptz, $2, $3, $4, $5, $6, $7, $8)
            """, [at, officer.sub.value, officer.org, officer.role, action, dossierCode, allowed, detail])
    }
}

extension OfficerTokens {
    /// The officer of a request's `Authorization: Bearer` token, or nil (answer 401).
    public func officer(of request: Request) async -> OfficerClaims? {
        guard let token = request.headers[.authorization].flatMap(bearerToken) else { return nil }
        return try? await verify(token)
    }

    /// The 401 answer for a missing or invalid officer token.
    public static var unauthenticated: Response {
        HTTPError.response(.unauthorized, "unauthenticated", "Thiếu hoặc sai mã xác thực của cán bộ (Authorization: Bearer).")
    }
}
