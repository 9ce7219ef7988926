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

/// A paper result digitised (số hoá, Đ.20): what an officer of the importing organisation sends to
/// archive (`POST /v1/results/digitised`; `tthc-admin results import`). The electronic copy is
/// marked converted from paper and signed by the importing organisation.
public struct DigitisedResultRequest: Codable, Sendable, Equatable {
    public var memberId: String
    public var holderCitizenId: String
    public var holderName: String
    /// The result's document type (`GGT`, `PNX`, `BL`, …).
    public var documentTypeCode: String
    /// The paper original as printed on it: its number, its date (YYYY-MM-DD) and who issued it.
    public var originalNumber: String
    public var originalIssuedOn: String
    public var originalIssuer: String
    /// The paper's content as structured data (Đ.20.2b), labelled as on the paper.
    public var content: [String: String]
    /// The scan (Đ.20.2a): PDF, JPEG or PNG, base64.
    public var scanMediaType: String
    public var scanBase64: String

    public init(memberId: String, holderCitizenId: String, holderName: String, documentTypeCode: String, originalNumber: String,
                originalIssuedOn: String, originalIssuer: String, content: [String: String], scanMediaType: String, scanBase64: String) {
        self.memberId = memberId
        self.holderCitizenId = holderCitizenId
        self.holderName = holderName
        self.documentTypeCode = documentTypeCode
        self.originalNumber = originalNumber
        self.originalIssuedOn = originalIssuedOn
        self.originalIssuer = originalIssuer
        self.content = content
        self.scanMediaType = scanMediaType
        self.scanBase64 = scanBase64
    }
}

/// Archive's answer to a digitised result: its codes and verification link (the same answer again
/// when the same paper original is imported twice).
public struct DigitisedResultV1: Codable, Sendable, Equatable {
    public var resultCode: String
    public var storeCode: String
    public var verificationURL: String
    /// sha256 of the signed electronic copy and of the scan it binds.
    public var sha256: String
    public var scanSha256: String
    public var issuedAt: Date

    public init(resultCode: String, storeCode: String, verificationURL: String, sha256: String, scanSha256: String, issuedAt: Date) {
        self.resultCode = resultCode
        self.storeCode = storeCode
        self.verificationURL = verificationURL
        self.sha256 = sha256
        self.scanSha256 = scanSha256
        self.issuedAt = issuedAt
    }
}
