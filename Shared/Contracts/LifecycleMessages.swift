import Foundation

// The rest of the dossier lifecycle (contract v1). Services that emit them arrive with later
// issues; the wire shapes are fixed here so integrators can build against them now.

/// `dossier.supplement.v1`: the submitter amends or supplements a dossier (bổ sung hồ sơ, Đ.15);
/// the dossier code never changes.
public struct DossierSupplementV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// The integrator's id of this amendment: the idempotency key.
    public var clientSubmissionId: String
    /// Changed or added form fields.
    public var form: [String: String]
    /// New versions of components.
    public var attachments: [AttachmentReference]
    public var note: String?

    public init(dossierCode: String, clientSubmissionId: String, form: [String: String] = [:],
                attachments: [AttachmentReference] = [], note: String? = nil) {
        self.dossierCode = dossierCode
        self.clientSubmissionId = clientSubmissionId
        self.form = form
        self.attachments = attachments
        self.note = note
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

/// `dossier.step-assigned.v1`: a step of the route is given to an organisation.
public struct DossierStepAssignedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var stepNumber: Int
    public var stepCode: String
    public var organisationCode: String
    /// The role that acts, e.g. `chi-bo`, `dang-uy-co-so`.
    public var role: String
    /// What the organisation does: `confirm`, `comment`, `issue-letter`, `accept`, `answer`, `record`.
    public var action: String?
    public var deadline: Date
    public var assignedAt: Date

    public init(dossierCode: String, stepNumber: Int, stepCode: String, organisationCode: String, role: String,
                action: String?, deadline: Date, assignedAt: Date) {
        self.dossierCode = dossierCode
        self.stepNumber = stepNumber
        self.stepCode = stepCode
        self.organisationCode = organisationCode
        self.role = role
        self.action = action
        self.deadline = deadline
        self.assignedAt = assignedAt
    }
}

/// A person acting for an organisation.
public struct Actor: Codable, Sendable, Equatable {
    public var personId: String
    public var organisationCode: String
    public var role: String
    /// Set when the person acts under a delegation (Đ.11) rather than their own role.
    public var delegationId: String?

    public init(personId: String, organisationCode: String, role: String, delegationId: String? = nil) {
        self.personId = personId
        self.organisationCode = organisationCode
        self.role = role
        self.delegationId = delegationId
    }
}

/// `dossier.step-decided.v1`: an organisation's decision on its step.
public struct DossierStepDecidedV1: Codable, Sendable, Equatable {
    public enum Decision: String, Codable, Sendable { case approve, returnForSupplement = "return", refuse, forward }

    public var dossierCode: String
    public var stepNumber: Int
    public var decision: Decision
    public var reason: String?
    public var decidedBy: Actor
    public var decidedAt: Date
    /// What the organisation records with its decision: comments on the self-review, the answers
    /// of a comment form, the fields of an introduction letter.
    public var content: [String: String]?

    public init(dossierCode: String, stepNumber: Int, decision: Decision, reason: String?, decidedBy: Actor,
                decidedAt: Date, content: [String: String]? = nil) {
        self.dossierCode = dossierCode
        self.stepNumber = stepNumber
        self.decision = decision
        self.reason = reason
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.content = content
    }
}

/// `dossier.withdrawn.v1`: the submitter withdrew the dossier.
public struct DossierWithdrawnV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var reason: String?
    public var withdrawnAt: Date
}

/// `result.revoked.v1`: a result is revoked everywhere it is stored (Đ.18); kept for lookup.
public struct ResultRevokedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var resultCode: String
    public var reason: String
    public var revokingOrganisationCode: String
    public var revokedAt: Date
}

/// `payment.completed.v1`: a provider confirmed a payment (Đ.16).
public struct PaymentCompletedV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String?
    public var memberId: String
    public var amountVND: Int
    public var provider: String
    public var providerReference: String
    public var paidAt: Date
}

/// `notification.sent.v1`: a notice reached a member through a channel (Đ.14.4).
public struct NotificationSentV1: Codable, Sendable, Equatable {
    public enum Channel: String, Codable, Sendable { case account, email, sms }

    public var notificationId: String
    public var memberId: String
    public var dossierCode: String?
    public var channel: Channel
    public var sourceType: String
    public var sentAt: Date
}

extension MessageType {
    public static let dossierSupplement = MessageType("dossier.supplement", major: 1)
    public static let dossierSupplementRequested = MessageType("dossier.supplement-requested", major: 1)
    public static let dossierStepAssigned = MessageType("dossier.step-assigned", major: 1)
    public static let dossierStepDecided = MessageType("dossier.step-decided", major: 1)
    public static let dossierWithdrawn = MessageType("dossier.withdrawn", major: 1)
    public static let resultRevoked = MessageType("result.revoked", major: 1)
    public static let notificationSent = MessageType("notification.sent", major: 1)
}

/// `message.dead-lettered.v1`: sent to a command's `reply_to` when the command cannot be processed
/// (malformed, unknown type or version, too large, sender unknown). The command is kept in the
/// service's dead-letter queue and can be replayed once the cause is fixed.
public struct MessageDeadLetteredV1: Codable, Sendable, Equatable {
    public var messageId: String?
    public var errorCode: String
    public var reason: String
    /// Vietnamese explanation for people.
    public var message: String

    public init(messageId: String?, errorCode: String, reason: String, message: String) {
        self.messageId = messageId
        self.errorCode = errorCode
        self.reason = reason
        self.message = message
    }
}

extension MessageType {
    public static let messageDeadLettered = MessageType("message.dead-lettered", major: 1)
}
