import Foundation

/// `dossier.rate.v1` (optional): the member's satisfaction (mức độ hài lòng) with the handling of a
/// dossier once it is over — decided, refused, or its result issued — told by the integrator that
/// submitted it (Đ.37.2: the evaluation figures). Once per dossier. Intake answers with
/// `dossier.rated.v1` or `dossier.rejected.v1` (`rating-out-of-range`, `not-finished-yet`,
/// `already-rated`, `unknown-dossier`).
public struct DossierRateV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// The integrator's id of this request: the idempotency key.
    public var clientSubmissionId: String
    /// 1 (very dissatisfied) to 5 (very satisfied).
    public var rating: Int
    /// The member's words, if any (Vietnamese).
    public var comment: String?

    public init(dossierCode: String, clientSubmissionId: String, rating: Int, comment: String? = nil) {
        self.dossierCode = dossierCode
        self.clientSubmissionId = clientSubmissionId
        self.rating = rating
        self.comment = comment
    }

    public static let ratings = 1...5
}

/// `dossier.rated.v1`: intake took the member's rating of a finished dossier; routing counts it
/// in the receiving organisation's evaluation figures.
public struct DossierRatedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// The organisation that received the dossier: its evaluation figures count the rating.
    public var receivingOrganisationCode: String
    public var integrator: String
    public var clientSubmissionId: String
    public var rating: Int
    public var comment: String?
    public var ratedAt: Date

    public init(dossierCode: String, receivingOrganisationCode: String, integrator: String, clientSubmissionId: String, rating: Int,
                comment: String?, ratedAt: Date) {
        self.dossierCode = dossierCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.rating = rating
        self.comment = comment
        self.ratedAt = ratedAt
    }
}

extension MessageType {
    /// Integrator → intake (`tthc.intake`): the member rates a finished dossier.
    public static let dossierRate = MessageType("dossier.rate", major: 1)
    public static let dossierRated = MessageType("dossier.rated", major: 1)
}
