import Foundation

// Temporary transfers (chuyển sinh hoạt đảng tạm thời): their end, extension and close.

/// A temporary transfer's period changes: `temporary-transfer.ending.v1` (reminder to both
/// organisations before the end), `temporary-transfer.extended.v1`, `temporary-transfer.closed.v1`
/// (the member returns to the official organisation).
public struct TemporaryTransferV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var memberId: String
    public var officialOrganisationCode: String
    public var temporaryOrganisationCode: String
    /// The last day of the period (`yyyy-MM-dd`).
    public var endsOn: String
    public var reason: String?
    public var at: Date

    public init(dossierCode: String, memberId: String, officialOrganisationCode: String,
                temporaryOrganisationCode: String, endsOn: String, reason: String?, at: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.officialOrganisationCode = officialOrganisationCode
        self.temporaryOrganisationCode = temporaryOrganisationCode
        self.endsOn = endsOn
        self.reason = reason
        self.at = at
    }
}

extension MessageType {
    public static let temporaryTransferEnding = MessageType("temporary-transfer.ending", major: 1)
    public static let temporaryTransferExtended = MessageType("temporary-transfer.extended", major: 1)
    public static let temporaryTransferClosed = MessageType("temporary-transfer.closed", major: 1)
}
