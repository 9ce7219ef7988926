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

/// `temporary-transfer.extend.v1`: the member, through the integrator that submitted the temporary
/// transfer, asks the temporary committee for a longer period (gia hạn). Intake answers with
/// `temporary-transfer.extension-requested.v1` or `dossier.rejected.v1`.
public struct TemporaryTransferExtendV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// The integrator's id of this request: the idempotency key.
    public var clientSubmissionId: String
    /// How many months more, counted from the day after the current end.
    public var months: Int
    /// Why (Vietnamese, shown to both organisations).
    public var reason: String

    public init(dossierCode: String, clientSubmissionId: String, months: Int, reason: String) {
        self.dossierCode = dossierCode
        self.clientSubmissionId = clientSubmissionId
        self.months = months
        self.reason = reason
    }
}

/// `temporary-transfer.extension-requested.v1`: intake took an extension request for a temporary
/// transfer of the integrator that asks; routing, which knows the transfer, checks it against the
/// period in force and puts it before the temporary committee.
public struct TemporaryTransferExtensionRequestedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var memberId: String
    public var integrator: String
    public var clientSubmissionId: String
    public var months: Int
    public var reason: String
    public var requestedAt: Date

    public init(dossierCode: String, memberId: String, integrator: String, clientSubmissionId: String, months: Int,
                reason: String, requestedAt: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.months = months
        self.reason = reason
        self.requestedAt = requestedAt
    }
}

/// A member's extension request as routing judged it: `temporary-transfer.extension-pending.v1`
/// (waits for the temporary committee; both organisations are told, DOMAIN §12: the member asks
/// the temporary committee and informs the official one) or `temporary-transfer.extension-refused.v1`
/// (by the committee, or at once when the period in force does not allow it). A granted request is
/// `temporary-transfer.extended.v1`.
public struct TemporaryTransferExtensionV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var memberId: String
    public var officialOrganisationCode: String
    public var temporaryOrganisationCode: String
    /// The last day of the period in force (`yyyy-MM-dd`).
    public var endsOn: String
    public var months: Int
    /// The last day if granted (`yyyy-MM-dd`).
    public var proposedEndsOn: String
    /// The member's reason.
    public var reason: String
    /// Refused: why (a problem code, e.g. `beyond-allowed-period`, `refused-by-committee`) and the text.
    public var refusalCode: String?
    public var refusal: String?
    public var at: Date

    public init(dossierCode: String, memberId: String, officialOrganisationCode: String, temporaryOrganisationCode: String,
                endsOn: String, months: Int, proposedEndsOn: String, reason: String, refusalCode: String? = nil,
                refusal: String? = nil, at: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.officialOrganisationCode = officialOrganisationCode
        self.temporaryOrganisationCode = temporaryOrganisationCode
        self.endsOn = endsOn
        self.months = months
        self.proposedEndsOn = proposedEndsOn
        self.reason = reason
        self.refusalCode = refusalCode
        self.refusal = refusal
        self.at = at
    }
}

extension MessageType {
    /// Integrator → intake (`tthc.intake`): ask for a longer temporary transfer.
    public static let temporaryTransferExtend = MessageType("temporary-transfer.extend", major: 1)
    public static let temporaryTransferExtensionRequested = MessageType("temporary-transfer.extension-requested", major: 1)
    public static let temporaryTransferExtensionPending = MessageType("temporary-transfer.extension-pending", major: 1)
    public static let temporaryTransferExtensionRefused = MessageType("temporary-transfer.extension-refused", major: 1)
}
