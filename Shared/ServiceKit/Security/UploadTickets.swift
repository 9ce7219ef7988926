import Foundation
import JWTKit

/// Permission to upload one document (phiếu tải lên): intake gives it to an integrator it has
/// authenticated, archive checks it where the bytes arrive. It names who uploads, for which member,
/// procedure and component, the largest size and the media types the catalog allows, and expires.
/// Its id becomes the document's id, so an upload repeated with the same ticket stores nothing new.
/// A JWT, HS256 with `TTHC_UPLOAD_TICKET_SECRET`, which only intake and archive hold.
public struct UploadTicketClaims: JWTPayload, Equatable {
    /// The integrator (its RabbitMQ user name, as intake knows it).
    public var sub: SubjectClaim
    /// The ticket's id: the document's id once uploaded (a UUID).
    public var jti: IDClaim
    public var member: String
    public var procedure: String
    public var component: String
    public var maxBytes: Int
    public var mediaTypes: [String]
    public var exp: ExpirationClaim

    public init(integrator: String, documentId: String, member: String, procedure: String, component: String, maxBytes: Int,
                mediaTypes: [String], expires: Date) {
        sub = SubjectClaim(value: integrator)
        jti = IDClaim(value: documentId)
        self.member = member
        self.procedure = procedure
        self.component = component
        self.maxBytes = maxBytes
        self.mediaTypes = mediaTypes
        exp = ExpirationClaim(value: expires)
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard UUID(uuidString: jti.value) != nil, maxBytes > 0 else { throw JWTError.claimVerificationFailure(failedClaim: jti, reason: "not a ticket") }
    }
}

public final class UploadTickets: Sendable {
    private let keys: JWTKeyCollection
    /// How long an integrator has to upload once it holds the ticket.
    public static let validity: TimeInterval = 15 * 60

    public init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    public static func fromEnvironment(_ environment: [String: String]) async throws -> UploadTickets {
        guard let secret = environment["TTHC_UPLOAD_TICKET_SECRET"], secret.count >= 32 else {
            throw ConfigurationError(variable: "TTHC_UPLOAD_TICKET_SECRET", problem: "is required, at least 32 characters")
        }
        return await UploadTickets(secret: secret)
    }

    public func sign(_ claims: UploadTicketClaims) async throws -> String { try await keys.sign(claims) }

    public func verify(_ ticket: String) async throws -> UploadTicketClaims { try await keys.verify(ticket, as: UploadTicketClaims.self) }
}
