import Foundation
import JWTKit

/// Who calls an officer endpoint: a person acting for an organisation in a role, from a signed
/// token (JWT, HS256 with `TTHC_OFFICER_TOKEN_SECRET`) issued by the identity provider.
public struct OfficerClaims: JWTPayload, Equatable {
    /// The person (cán bộ) id.
    public var sub: SubjectClaim
    /// The organisation they act for.
    public var org: String
    /// e.g. `officer` (cán bộ tiếp nhận), `auditor` (kiểm tra).
    public var role: String
    public var exp: ExpirationClaim

    public init(person: String, organisation: String, role: String, expires: Date) {
        sub = SubjectClaim(value: person)
        org = organisation
        self.role = role
        exp = ExpirationClaim(value: expires)
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

public final class OfficerTokens: Sendable {
    private let keys: JWTKeyCollection

    public init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    public static func fromEnvironment(_ environment: [String: String]) async throws -> OfficerTokens {
        guard let secret = environment["TTHC_OFFICER_TOKEN_SECRET"], secret.count >= 32 else {
            throw ConfigurationError(variable: "TTHC_OFFICER_TOKEN_SECRET", problem: "is required, at least 32 characters")
        }
        return await OfficerTokens(secret: secret)
    }

    public func verify(_ token: String) async throws -> OfficerClaims {
        try await keys.verify(token, as: OfficerClaims.self)
    }

    /// For the identity provider's stand-in in development and tests.
    public func sign(_ claims: OfficerClaims) async throws -> String {
        try await keys.sign(claims)
    }
}
