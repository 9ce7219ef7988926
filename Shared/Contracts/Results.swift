import Foundation

// Results (kết quả giải quyết, Đ.17–18): issued and revoked.

/// `result.issued.v1`: the result document (kết quả giải quyết) is signed by its issuing
/// organisation and stored with its codes (Đ.17).
public struct ResultIssuedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// `KQ.<holder citizen id>.<document type>.<n>-<year>-<issuing organisation>` (Đ.17.3c).
    public var resultCode: String
    public var documentTypeCode: String
    public var memberId: String
    public var decision: DossierDecidedV1.Decision
    /// SHA-256 of the signed result document's bytes.
    public var sha256: String
    public var issuedAt: Date
    /// `<dossier code>-KQ(n)`, the code in the data store (Đ.17.3đ).
    public var storeCode: String?
    public var issuingOrganisationCode: String?
    /// Where anyone checks the result (the QR code of the paper copy leads there, Đ.21).
    public var verificationURL: String?

    public init(dossierCode: String, resultCode: String, documentTypeCode: String, memberId: String,
                decision: DossierDecidedV1.Decision, sha256: String, issuedAt: Date, storeCode: String? = nil,
                issuingOrganisationCode: String? = nil, verificationURL: String? = nil) {
        self.dossierCode = dossierCode
        self.resultCode = resultCode
        self.documentTypeCode = documentTypeCode
        self.memberId = memberId
        self.decision = decision
        self.sha256 = sha256
        self.issuedAt = issuedAt
        self.storeCode = storeCode
        self.issuingOrganisationCode = issuingOrganisationCode
        self.verificationURL = verificationURL
    }
}

/// `result.revoked.v1`: a result is revoked everywhere it is stored (Đ.18); kept for lookup, and
/// its paper copies lose their validity at the same moment.
public struct ResultRevokedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var resultCode: String
    public var memberId: String?
    public var reason: String
    public var revokingOrganisationCode: String
    public var revokedAt: Date

    public init(dossierCode: String, resultCode: String, memberId: String?, reason: String, revokingOrganisationCode: String,
                revokedAt: Date) {
        self.dossierCode = dossierCode
        self.resultCode = resultCode
        self.memberId = memberId
        self.reason = reason
        self.revokingOrganisationCode = revokingOrganisationCode
        self.revokedAt = revokedAt
    }
}

extension MessageType {
    /// Archive: the signed result (kết quả giải quyết) is issued and stored.
    public static let resultIssued = MessageType("result.issued", major: 1)
    public static let resultRevoked = MessageType("result.revoked", major: 1)
}
