import Foundation

// Results (kết quả giải quyết, Đ.17–18): issued and revoked.

/// `result.issued.v1`: the result document (kết quả giải quyết) is archived with its code.
public struct ResultIssuedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// `KQ.<member>.<document type>.<number>` (Đ.17.3c).
    public var resultCode: String
    public var documentTypeCode: String
    public var memberId: String
    public var decision: DossierDecidedV1.Decision
    /// SHA-256 of the stored result document.
    public var sha256: String
    public var issuedAt: Date

    public init(dossierCode: String, resultCode: String, documentTypeCode: String, memberId: String,
                decision: DossierDecidedV1.Decision, sha256: String, issuedAt: Date) {
        self.dossierCode = dossierCode
        self.resultCode = resultCode
        self.documentTypeCode = documentTypeCode
        self.memberId = memberId
        self.decision = decision
        self.sha256 = sha256
        self.issuedAt = issuedAt
    }
}

/// `result.revoked.v1`: a result is revoked everywhere it is stored (Đ.18); kept for lookup.
public struct ResultRevokedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var resultCode: String
    public var reason: String
    public var revokingOrganisationCode: String
    public var revokedAt: Date
}

extension MessageType {
    /// Archive: the signed result (kết quả giải quyết) is issued and stored.
    public static let resultIssued = MessageType("result.issued", major: 1)
    public static let resultRevoked = MessageType("result.revoked", major: 1)
}
