import Foundation

// Steps and routes between organisations (liên thông, Đ.22): assignment, decisions, reminders, overdue
// steps, the final decision.

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

/// `dossier.step-reminder.v1`: a step's deadline is near (one working day left, or half its time).
public struct DossierStepReminderV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var stepNumber: Int
    public var stepCode: String
    public var organisationCode: String
    public var deadline: Date
    public var remindedAt: Date

    public init(dossierCode: String, stepNumber: Int, stepCode: String, organisationCode: String, deadline: Date,
                remindedAt: Date) {
        self.dossierCode = dossierCode
        self.stepNumber = stepNumber
        self.stepCode = stepCode
        self.organisationCode = organisationCode
        self.deadline = deadline
        self.remindedAt = remindedAt
    }
}

/// `dossier.step-overdue.v1`: a step passed its deadline undecided; escalated to the superior
/// organisation of the step's organisation (Đ.37: counted late).
public struct DossierStepOverdueV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var stepNumber: Int
    public var stepCode: String
    public var organisationCode: String
    public var deadline: Date
    /// The parent organisation that must follow it up; nil for the Centre.
    public var escalatedToOrganisationCode: String?
    public var detectedAt: Date

    public init(dossierCode: String, stepNumber: Int, stepCode: String, organisationCode: String, deadline: Date,
                escalatedToOrganisationCode: String?, detectedAt: Date) {
        self.dossierCode = dossierCode
        self.stepNumber = stepNumber
        self.stepCode = stepCode
        self.organisationCode = organisationCode
        self.deadline = deadline
        self.escalatedToOrganisationCode = escalatedToOrganisationCode
        self.detectedAt = detectedAt
    }
}

/// `dossier.decided.v1`: the competent organisation's decision on the dossier.
public struct DossierDecidedV1: Codable, Sendable, Equatable {
    public enum Decision: String, Codable, Sendable { case approved, refused }

    public var dossierCode: String
    public var procedureCode: String
    public var memberId: String
    public var decision: Decision
    /// Required when refused (Nghị định 137: a refusal always states its reason).
    public var reason: String?
    public var decidingOrganisationCode: String
    public var decidedAt: Date
    /// What the result document carries from the route, e.g. the introduction letter's fields
    /// (dues status, receiving organisation) or the residence cell's comments.
    public var resultData: [String: String]?
    /// The holder as the registry knows them (validation reconciled the submitter): the result
    /// code names the citizen id (Đ.17.3c), the verification page the (masked) name.
    public var holderCitizenId: String?
    public var holderName: String?

    public init(dossierCode: String, procedureCode: String, memberId: String, decision: Decision, reason: String?,
                decidingOrganisationCode: String, decidedAt: Date, resultData: [String: String]? = nil,
                holderCitizenId: String? = nil, holderName: String? = nil) {
        self.resultData = resultData
        self.holderCitizenId = holderCitizenId
        self.holderName = holderName
        self.dossierCode = dossierCode
        self.procedureCode = procedureCode
        self.memberId = memberId
        self.decision = decision
        self.reason = reason
        self.decidingOrganisationCode = decidingOrganisationCode
        self.decidedAt = decidedAt
    }
}

extension MessageType {
    public static let dossierStepAssigned = MessageType("dossier.step-assigned", major: 1)
    public static let dossierStepDecided = MessageType("dossier.step-decided", major: 1)
    public static let dossierStepReminder = MessageType("dossier.step-reminder", major: 1)
    public static let dossierStepOverdue = MessageType("dossier.step-overdue", major: 1)
    /// Routing: the competent organisation decided (approved or refused with reason).
    public static let dossierDecided = MessageType("dossier.decided", major: 1)
}
