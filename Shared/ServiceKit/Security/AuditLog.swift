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
    /// The verified claims of the request's bearer token, if its role is one of `roles`: officers'
    /// edges take officers and auditors only, so a portal's token (role `portal`, notification's
    /// member inbox) opens nothing else whatever its `org` says.
    public func officer(of request: Request, roles: Set<String> = OfficerClaims.officerRoles) async -> OfficerClaims? {
        guard let token = request.headers[.authorization].flatMap(bearerToken),
              let claims = try? await verify(token), roles.contains(claims.role) else { return nil }
        return claims
    }

    /// The 401 answer for a missing or invalid officer token.
    public static var unauthenticated: Response {
        HTTPError.response(.unauthorized, "unauthenticated", "Thiếu hoặc sai mã xác thực của cán bộ (Authorization: Bearer).")
    }
}
