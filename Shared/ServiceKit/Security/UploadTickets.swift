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

public typealias UploadTickets = SignedTokens<UploadTicketClaims>

extension SignedTokens where Claims == UploadTicketClaims {
    /// How long an integrator has to upload once it holds the ticket.
    public static var validity: TimeInterval { 15 * 60 }

    public static func fromEnvironment(_ environment: [String: String]) async throws -> UploadTickets {
        try await fromEnvironment(environment, variable: "TTHC_UPLOAD_TICKET_SECRET")
    }
}
