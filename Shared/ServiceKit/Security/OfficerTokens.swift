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

    /// The roles of people acting for an organisation; `portal` is an integrator reading its members' notices.
    public static let officerRoles: Set<String> = ["officer", "auditor"]
    public static let portalRole = "portal"

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Officers' tokens, verified by every officer edge (and signed by the identity provider's stand-in).
public typealias OfficerTokens = SignedTokens<OfficerClaims>

extension SignedTokens where Claims == OfficerClaims {
    public static func fromEnvironment(_ environment: [String: String]) async throws -> OfficerTokens {
        try await fromEnvironment(environment, variable: "TTHC_OFFICER_TOKEN_SECRET")
    }
}

/// Tokens of one kind (JWT, HS256 with a shared secret): officers' tokens, upload tickets.
public final class SignedTokens<Claims: JWTPayload>: Sendable {
    private let keys: JWTKeyCollection

    public init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// The secret from `variable`, which must hold at least 32 characters.
    public static func fromEnvironment(_ environment: [String: String], variable: String) async throws -> SignedTokens {
        guard let secret = environment[variable], secret.count >= 32 else {
            throw ConfigurationError(variable: variable, problem: "is required, at least 32 characters")
        }
        return await SignedTokens(secret: secret)
    }

    public func verify(_ token: String) async throws -> Claims {
        try await keys.verify(token, as: Claims.self)
    }

    public func sign(_ claims: Claims) async throws -> String {
        try await keys.sign(claims)
    }
}
