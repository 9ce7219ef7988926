import Foundation

/// `dossier.withdraw.v1`: the submitter's integrator withdraws (rút) a dossier not yet decided.
/// Intake checks who asks and that the dossier is still open, and answers with
/// `dossier.withdrawal-requested.v1`; whoever holds the dossier then closes it and emits
/// `dossier.withdrawn.v1` once (validation before acceptance, routing after).
public struct DossierWithdrawV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// The integrator's id of this request: the idempotency key.
    public var clientSubmissionId: String
    /// Why the member withdraws (Vietnamese, shown to the organisations).
    public var reason: String

    public init(dossierCode: String, clientSubmissionId: String, reason: String) {
        self.dossierCode = dossierCode
        self.clientSubmissionId = clientSubmissionId
        self.reason = reason
    }
}

/// `dossier.withdrawal-requested.v1`: intake took a withdrawal request for an open dossier of the
/// integrator that asks. Validation and routing consume it; the one holding the dossier closes it.
public struct DossierWithdrawalRequestedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var integrator: String
    public var clientSubmissionId: String
    public var reason: String
    public var requestedAt: Date

    public init(dossierCode: String, integrator: String, clientSubmissionId: String, reason: String, requestedAt: Date) {
        self.dossierCode = dossierCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.reason = reason
        self.requestedAt = requestedAt
    }
}

/// `dossier.withdrawn.v1`: the dossier is closed at the submitter's request, before any decision;
/// emitted once, by validation (not yet accepted) or routing (accepted).
public struct DossierWithdrawnV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// The member whose dossier it is (told by notification).
    public var memberId: String?
    public var reason: String?
    public var withdrawnAt: Date

    public init(dossierCode: String, memberId: String?, reason: String?, withdrawnAt: Date) {
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.reason = reason
        self.withdrawnAt = withdrawnAt
    }
}

extension MessageType {
    /// Integrator → intake (`tthc.intake`): withdraw a dossier.
    public static let dossierWithdraw = MessageType("dossier.withdraw", major: 1)
    public static let dossierWithdrawalRequested = MessageType("dossier.withdrawal-requested", major: 1)
    public static let dossierWithdrawn = MessageType("dossier.withdrawn", major: 1)
}
