import Foundation

// Feedback and petitions (phản ánh, kiến nghị, sáng kiến, giải pháp: PAKN; Đ.38 of Quy định
// 338, Quy chế 03-QC/BCĐTW). An item travels like a dossier: integrators send
// `feedback.submit.v1` to intake, which gives it a PAKN code and a receipt
// (`feedback.received.v1`); routing classifies it, hands it to the competent organisation and keeps
// its deadlines, announcing every change as `feedback.updated.v1`; the sender follows up through
// `feedback.follow-up.v1` (withdraw, clarify, rate, appeal).

/// What the sender brings (Quy chế 03 Đ.3).
public enum FeedbackKind: String, Codable, Sendable, CaseIterable {
    /// Phản ánh: a report of a problem.
    case report = "phan-anh"
    /// Kiến nghị: a petition, a proposal to change something.
    case petition = "kien-nghi"
    /// Sáng kiến: an initiative.
    case initiative = "sang-kien"
    /// Giải pháp: a solution.
    case solution = "giai-phap"
}

/// Which handling rules apply: Party administrative procedures (answer in 30 working days,
/// Đ.38.3) or the science and technology system (15 working days, Quy chế 03 Đ.13.1).
public enum FeedbackSystem: String, Codable, Sendable, CaseIterable {
    case partyProcedures = "party-procedures"
    case scienceTechnology = "science-technology"
}

/// Who sends: a party member (identified by the registry's member id) or a party organisation.
public struct FeedbackSender: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case member, organisation }
    public var kind: Kind
    /// The member, for a member's item.
    public var memberId: String?
    /// The member's own organisation (chi bộ), or the sending organisation: the starting point of
    /// classification.
    public var organisationCode: String
    public var fullName: String

    public init(kind: Kind, memberId: String? = nil, organisationCode: String, fullName: String) {
        self.kind = kind
        self.memberId = memberId
        self.organisationCode = organisationCode
        self.fullName = fullName
    }

    /// The sender's identity for duplicate detection and notices: the member id or the organisation code.
    public var id: String { kind == .member ? (memberId ?? "") : organisationCode }
}

/// `feedback.submit.v1`: integrator → intake (`tthc.intake`). Intake answers `reply_to` with
/// `feedback.received.v1` or `dossier.rejected.v1` (every problem listed).
public struct FeedbackSubmitV1: Codable, Sendable, Equatable {
    /// The integrator's id of this submission: the idempotency key.
    public var clientSubmissionId: String
    public var sender: FeedbackSender
    public var kind: FeedbackKind
    public var system: FeedbackSystem
    /// The field (lĩnh vực), a code of the PAKN rules (`FeedbackRules.topics`).
    public var topic: String
    public var title: String
    public var text: String
    /// The sender agrees that the answer may be published (the organisation decides whether it is).
    public var publicationConsent: Bool
    /// Documents uploaded beforehand (component `TL`), by reference.
    public var attachments: [DocumentReference]?

    public init(clientSubmissionId: String, sender: FeedbackSender, kind: FeedbackKind, system: FeedbackSystem, topic: String,
                title: String, text: String, publicationConsent: Bool, attachments: [DocumentReference]? = nil) {
        self.clientSubmissionId = clientSubmissionId
        self.sender = sender
        self.kind = kind
        self.system = system
        self.topic = topic
        self.title = title
        self.text = text
        self.publicationConsent = publicationConsent
        self.attachments = attachments
    }
}

/// `feedback.received.v1`: intake took a PAKN item and gave it its code (the receipt, on `reply_to`
/// and as an event). One that repeats an earlier item of the same sender is received as a
/// duplicate (`duplicateOf`): linked to the first and not handled again (Quy chế 03 Đ.5.7, 8.4).
public struct FeedbackReceivedV1: Codable, Sendable, Equatable {
    public var paknCode: String
    public var integrator: String
    public var clientSubmissionId: String
    public var sender: FeedbackSender
    public var kind: FeedbackKind
    public var system: FeedbackSystem
    public var topic: String
    public var title: String
    public var text: String
    public var publicationConsent: Bool
    public var attachments: [DocumentReference]
    public var receivedAt: Date
    /// The earlier item this one repeats.
    public var duplicateOf: String?
    /// Where anyone follows the item's status.
    public var statusURL: String

    public init(paknCode: String, integrator: String, clientSubmissionId: String, sender: FeedbackSender, kind: FeedbackKind,
                system: FeedbackSystem, topic: String, title: String, text: String, publicationConsent: Bool,
                attachments: [DocumentReference], receivedAt: Date, duplicateOf: String?, statusURL: String) {
        self.paknCode = paknCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.sender = sender
        self.kind = kind
        self.system = system
        self.topic = topic
        self.title = title
        self.text = text
        self.publicationConsent = publicationConsent
        self.attachments = attachments
        self.receivedAt = receivedAt
        self.duplicateOf = duplicateOf
        self.statusURL = statusURL
    }
}

/// What a sender may do after submitting.
public enum FeedbackFollowUpAction: String, Codable, Sendable, CaseIterable {
    /// Rút: only before the item is accepted for handling (Quy chế 03 Đ.11.4).
    case withdraw
    /// The answer to a request for clarification (Đ.11.2); also resumes a paused item.
    case clarify
    /// The sender's rating of the answer, 1 to 5.
    case rate
    /// Once, within 15 working days of the answer (Đ.14.1): handled by the level above.
    case appeal
}

/// `feedback.follow-up.v1`: integrator → intake (`tthc.intake`), about an item it submitted.
/// Intake answers with `feedback.follow-up-received.v1` or `dossier.rejected.v1`; routing, which
/// holds the item, applies it or refuses it with a reason (`feedback.updated.v1`).
public struct FeedbackFollowUpV1: Codable, Sendable, Equatable {
    public var paknCode: String
    /// The integrator's id of this request: the idempotency key.
    public var clientSubmissionId: String
    public var action: FeedbackFollowUpAction
    /// The reason (withdraw, appeal) or the clarification.
    public var text: String?
    /// 1 (very dissatisfied) to 5 (very satisfied), for `rate`.
    public var rating: Int?

    public init(paknCode: String, clientSubmissionId: String, action: FeedbackFollowUpAction, text: String? = nil, rating: Int? = nil) {
        self.paknCode = paknCode
        self.clientSubmissionId = clientSubmissionId
        self.action = action
        self.text = text
        self.rating = rating
    }
}

/// `feedback.follow-up-received.v1`: intake took a follow-up on an item of the integrator that asks.
public struct FeedbackFollowUpReceivedV1: Codable, Sendable, Equatable {
    public var paknCode: String
    public var integrator: String
    public var clientSubmissionId: String
    public var action: FeedbackFollowUpAction
    public var text: String?
    public var rating: Int?
    public var receivedAt: Date

    public init(paknCode: String, integrator: String, clientSubmissionId: String, action: FeedbackFollowUpAction, text: String?,
                rating: Int?, receivedAt: Date) {
        self.paknCode = paknCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.action = action
        self.text = text
        self.rating = rating
        self.receivedAt = receivedAt
    }
}

/// Where a PAKN item stands (routing's `FeedbackLifecycle`).
public enum FeedbackStatus: String, Codable, Sendable, CaseIterable {
    /// Assigned to the competent organisation, which accepts, refuses or asks for clarification
    /// within 5 working days (accepted when it does nothing).
    case received
    case awaitingClarification = "awaiting-clarification"
    /// No clarification within 10 working days: paused until the sender answers.
    case paused
    /// Accepted for handling (thụ lý): the answer deadline runs; no withdrawal any more.
    case handling
    /// Answered; the sender may rate it and appeal once within 15 working days.
    case answered
    /// Appealed: the level above handles it.
    case appealed
    case refused
    case withdrawn
    /// Final: the appeal window passed, or the appeal was answered.
    case closed
    /// A duplicate: linked to the sender's earlier item and not handled on its own (intake's status).
    case linked

    public var isFinal: Bool { [.refused, .withdrawn, .closed, .linked].contains(self) }

    /// As people read it.
    public var label: String {
        switch self {
        case .received: "Đã tiếp nhận, đang chờ thụ lý"
        case .awaitingClarification: "Đang chờ người gửi làm rõ nội dung"
        case .paused: "Tạm dừng do chưa nhận được nội dung làm rõ"
        case .handling: "Đang xử lý"
        case .answered: "Đã trả lời"
        case .appealed: "Đang xem xét lại ở cấp trên"
        case .refused: "Từ chối tiếp nhận"
        case .withdrawn: "Đã rút"
        case .closed: "Đã kết thúc"
        case .linked: "Trùng với phản ánh, kiến nghị đã gửi trước"
        }
    }
}

/// What happened, in `feedback.updated.v1`.
public enum FeedbackChange: String, Codable, Sendable, CaseIterable {
    /// Classified and handed to the organisation in charge (also after reclassification or an appeal).
    case assigned, reclassified, accepted, refused
    case clarificationRequested = "clarification-requested"
    case clarified, paused, extended
    /// The answer deadline passed unanswered (the organisation in charge and its superior hear).
    case overdue
    /// Late: the sender is told where it stands every 5 working days, at most 3 times (Đ.13.2).
    case lateStatusUpdate = "late-status-update"
    /// The organisation recorded progress (status kept current at least every 3 days, Đ.38.4).
    case progressNoted = "progress-noted"
    /// No progress noted for 3 days: the organisation in charge is reminded.
    case progressDue = "progress-due"
    case answered, withdrawn, rated, appealed, closed
    /// A follow-up the item's state does not allow (`refusalCode`, `reason`).
    case followUpRefused = "follow-up-refused"
}

/// `feedback.updated.v1`: routing announces every change of a PAKN item; intake keeps the public
/// status and the published answers, notification tells the sender and the organisations.
public struct FeedbackUpdatedV1: Codable, Sendable, Equatable {
    public var paknCode: String
    /// Counts the item's changes from 1: a consumer keeps the update with the highest (updates of
    /// one item may arrive out of order, and two may carry the same time).
    public var revision: Int
    public var change: FeedbackChange
    public var status: FeedbackStatus
    public var integrator: String
    public var sender: FeedbackSender
    public var kind: FeedbackKind
    public var system: FeedbackSystem
    public var topic: String
    public var title: String
    /// The organisation in charge now.
    public var organisationCode: String
    /// Told besides it: the superior of a late organisation, the organisation that answered before an appeal.
    public var alsoTold: [String]?
    /// The answer deadline in force (none before acceptance and after the answer).
    public var answerDue: Date?
    /// The refusal's, extension's, withdrawal's or appeal's reason, the clarification asked or
    /// given, the progress noted.
    public var reason: String?
    /// For `follow-up-refused`: which follow-up and why, as a problem code.
    public var followUp: FeedbackFollowUpAction?
    public var refusalCode: String?
    public var answer: String?
    /// The answer is published (the sender consented and the organisation chose to).
    public var published: Bool?
    public var rating: Int?
    /// For `late-status-update`: which (1 to 3).
    public var lateUpdate: Int?
    public var at: Date

    public init(paknCode: String, revision: Int, change: FeedbackChange, status: FeedbackStatus, integrator: String, sender: FeedbackSender,
                kind: FeedbackKind, system: FeedbackSystem, topic: String, title: String, organisationCode: String,
                alsoTold: [String]? = nil, answerDue: Date? = nil, reason: String? = nil, followUp: FeedbackFollowUpAction? = nil,
                refusalCode: String? = nil, answer: String? = nil, published: Bool? = nil, rating: Int? = nil,
                lateUpdate: Int? = nil, at: Date) {
        self.paknCode = paknCode
        self.revision = revision
        self.change = change
        self.status = status
        self.integrator = integrator
        self.sender = sender
        self.kind = kind
        self.system = system
        self.topic = topic
        self.title = title
        self.organisationCode = organisationCode
        self.alsoTold = alsoTold
        self.answerDue = answerDue
        self.reason = reason
        self.followUp = followUp
        self.refusalCode = refusalCode
        self.answer = answer
        self.published = published
        self.rating = rating
        self.lateUpdate = lateUpdate
        self.at = at
    }
}

extension MessageType {
    /// Integrator → intake (`tthc.intake`): submit a PAKN item.
    public static let feedbackSubmit = MessageType("feedback.submit", major: 1)
    public static let feedbackReceived = MessageType("feedback.received", major: 1)
    /// Integrator → intake (`tthc.intake`): withdraw, clarify, rate or appeal.
    public static let feedbackFollowUp = MessageType("feedback.follow-up", major: 1)
    public static let feedbackFollowUpReceived = MessageType("feedback.follow-up-received", major: 1)
    public static let feedbackUpdated = MessageType("feedback.updated", major: 1)
}
