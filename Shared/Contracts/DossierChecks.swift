import Foundation

// The content check and its outcomes (tiếp nhận, Đ.14.2–14.3): accepted, supplement requested,
// refused, overdue; withdrawal.

/// `dossier.accepted.v1`: content checks passed; the dossier enters handling.
public struct DossierAcceptedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var procedureCode: String
    public var receivingOrganisationCode: String
    public var submitter: Submitter
    public var officialReceiptAt: Date
    public var acceptedAt: Date
    /// The procedure version the dossier was judged by (in force at its official receipt time).
    public var procedureVersion: Int?
    /// The whole form after prefilling from the registry, and which values were filled in.
    public var form: [String: String]?
    public var prefilled: [PrefilledField]?
    /// The member's cell (chi bộ) in the registry when the dossier was accepted.
    public var memberOrganisationCode: String?
    /// The checked delegation when someone submitted for the member (Đ.11); without its letter's bytes.
    public var delegation: SubmissionDelegation?

    public init(dossierCode: String, procedureCode: String, receivingOrganisationCode: String, submitter: Submitter,
                officialReceiptAt: Date, acceptedAt: Date, procedureVersion: Int? = nil, form: [String: String]? = nil,
                prefilled: [PrefilledField]? = nil, memberOrganisationCode: String? = nil,
                delegation: SubmissionDelegation? = nil) {
        self.delegation = delegation
        self.procedureVersion = procedureVersion
        self.form = form
        self.prefilled = prefilled
        self.memberOrganisationCode = memberOrganisationCode
        self.dossierCode = dossierCode
        self.procedureCode = procedureCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.submitter = submitter
        self.officialReceiptAt = officialReceiptAt
        self.acceptedAt = acceptedAt
    }
}

/// A value the system filled in from what it already knows ("ask only once", Đ.7.2g).
public struct PrefilledField: Codable, Sendable, Equatable {
    /// JSON path in the submission, e.g. `$.data.form.ngaySinh`.
    public var path: String
    public var value: String
    /// Where it came from: `member-registry`.
    public var source: String

    public init(path: String, value: String, source: String = "member-registry") {
        self.path = path
        self.value = value
        self.source = source
    }
}

/// `dossier.supplement-requested.v1`: complete guidance once (Đ.14.3): every problem, with a deadline.
public struct DossierSupplementRequestedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var requestingOrganisationCode: String
    public var problems: [Problem]
    /// 8 working hours after the official receipt time (1 working day for complex procedures).
    public var deadline: Date
    public var requestedAt: Date
    /// The procedure version the dossier is judged by (in force at its official receipt time).
    public var procedureVersion: Int?
    /// The member who must supplement (to be notified).
    public var memberId: String?
    /// Set when an organisation on the route returned the dossier at this step (routing resumes
    /// there once the amended dossier is accepted again).
    public var stepNumber: Int?

    public init(dossierCode: String, requestingOrganisationCode: String, problems: [Problem], deadline: Date,
                requestedAt: Date, procedureVersion: Int?, memberId: String?, stepNumber: Int? = nil) {
        self.memberId = memberId
        self.stepNumber = stepNumber
        self.dossierCode = dossierCode
        self.requestingOrganisationCode = requestingOrganisationCode
        self.problems = problems
        self.deadline = deadline
        self.requestedAt = requestedAt
        self.procedureVersion = procedureVersion
    }
}

/// `dossier.refused.v1`: the member is not eligible for the procedure at all; the reason is stated
/// (Nghị định 137). No supplement can change it.
public struct DossierRefusedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var procedureCode: String
    public var memberId: String
    public var refusingOrganisationCode: String
    public var reasonCode: String
    /// Vietnamese, for the member.
    public var reason: String
    public var refusedAt: Date

    public init(dossierCode: String, procedureCode: String, memberId: String, refusingOrganisationCode: String,
                reasonCode: String, reason: String, refusedAt: Date) {
        self.dossierCode = dossierCode
        self.procedureCode = procedureCode
        self.memberId = memberId
        self.refusingOrganisationCode = refusingOrganisationCode
        self.reasonCode = reasonCode
        self.reason = reason
        self.refusedAt = refusedAt
    }
}

/// `dossier.check-overdue.v1`: the receiving organisation did not finish the content check within
/// 8 working hours (1 working day for complex procedures) of the official receipt time (Đ.14.3).
public struct DossierCheckOverdueV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var receivingOrganisationCode: String
    public var deadline: Date
    /// Why the check is still open, e.g. `awaiting-member-registry`.
    public var waitingFor: String
    public var detectedAt: Date

    public init(dossierCode: String, receivingOrganisationCode: String, deadline: Date, waitingFor: String,
                detectedAt: Date) {
        self.dossierCode = dossierCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.deadline = deadline
        self.waitingFor = waitingFor
        self.detectedAt = detectedAt
    }
}


extension MessageType {
    /// Validation: content checked, the dossier is accepted for handling (tiếp nhận).
    public static let dossierAccepted = MessageType("dossier.accepted", major: 1)
    public static let dossierSupplementRequested = MessageType("dossier.supplement-requested", major: 1)
    public static let dossierRefused = MessageType("dossier.refused", major: 1)
    public static let dossierCheckOverdue = MessageType("dossier.check-overdue", major: 1)
}
