import Foundation

// Submitting and amending a dossier (nộp, bổ sung hồ sơ; Đ.12–15): the commands integrators send,
// intake's answers and events.

/// The person who submits a dossier (người nộp hồ sơ): a party member (đảng viên).
public struct Submitter: Codable, Sendable, Equatable {
    /// Member id in the party member registry (Cơ sở dữ liệu đảng viên).
    public var memberId: String
    public var fullName: String
    /// Citizen id (số định danh cá nhân), 12 digits.
    public var citizenId: String?
    /// Party card number (số thẻ đảng viên).
    public var partyCardNumber: String?

    public init(memberId: String, fullName: String, citizenId: String? = nil, partyCardNumber: String? = nil) {
        self.memberId = memberId
        self.fullName = fullName
        self.citizenId = citizenId
        self.partyCardNumber = partyCardNumber
    }
}

/// The submitter's data corrected in an amendment (Đ.15), where a supplement request says it does
/// not match the registry: a value replaces the submitted one, an empty text clears it so that the
/// registry fills it in. The member (`memberId`) never changes: another member is another dossier.
public struct SubmitterCorrection: Codable, Sendable, Equatable {
    public var fullName: String?
    public var citizenId: String?
    public var partyCardNumber: String?

    public init(fullName: String? = nil, citizenId: String? = nil, partyCardNumber: String? = nil) {
        self.fullName = fullName
        self.citizenId = citizenId
        self.partyCardNumber = partyCardNumber
    }

    public var isEmpty: Bool { fullName == nil && citizenId == nil && partyCardNumber == nil }

    /// `submitter` with the corrections applied.
    public func applied(to submitter: Submitter) -> Submitter {
        var next = submitter
        if let fullName { next.fullName = fullName }
        if let citizenId { next.citizenId = citizenId }
        if let partyCardNumber { next.partyCardNumber = partyCardNumber }
        return next
    }
}

/// Delegation (ủy quyền, Đ.11): another member or a party organisation submits and follows the
/// dossier for the member, who stays the `submitter`. The delegate is responsible for the content;
/// the delegation is recorded on the dossier and in its history.
public struct SubmissionDelegation: Codable, Sendable, Equatable {
    public enum DelegateKind: String, Codable, Sendable { case member, organisation }
    /// Đ.11.2: a written delegation (a) or an authorisation given from the member's own account (b).
    public enum Form: String, Codable, Sendable {
        case writtenDocument = "written-document"
        case accountAuthorisation = "account-authorisation"
    }

    public var delegateKind: DelegateKind
    /// The delegate's member id, or the organisation's code.
    public var delegateId: String
    public var delegateName: String
    public var form: Form
    /// The delegation letter (giấy ủy quyền), signed by the member: required for a written delegation.
    public var document: AttachmentReference?
    /// The portal's record of the account authorisation (VNeID): required for an account authorisation.
    public var authorisationReference: String?
    /// The last day the delegation holds, if limited.
    public var validUntil: Date?

    public init(delegateKind: DelegateKind, delegateId: String, delegateName: String, form: Form,
                document: AttachmentReference? = nil, authorisationReference: String? = nil, validUntil: Date? = nil) {
        self.delegateKind = delegateKind
        self.delegateId = delegateId
        self.delegateName = delegateName
        self.form = form
        self.document = document
        self.authorisationReference = authorisationReference
        self.validUntil = validUntil
    }

    /// "đảng viên Lê Thị B" / "tổ chức đảng …": who acts, for texts members and officers read.
    public var delegateLabel: String {
        (delegateKind == .member ? "đảng viên " : "tổ chức đảng ") + delegateName
    }

    /// How the delegation was given (Đ.11.2), in Vietnamese.
    public var formLabel: String {
        form == .writtenDocument ? "văn bản ủy quyền" : "xác thực tài khoản điện tử của người ủy quyền"
    }

    /// The delegate's member id, when the delegate is a member.
    public var memberDelegateId: String? { delegateKind == .member ? delegateId : nil }

    /// The same delegation with its letter declared but without the letter's bytes, for events
    /// that record the delegation (the letter stays in validation's encrypted revisions).
    public var withoutDocumentBytes: SubmissionDelegation {
        var copy = self
        copy.document?.contentBase64 = nil
        copy.document?.signature?.contentBase64 = nil
        return copy
    }
}

/// An attached document (thành phần hồ sơ), declared by type, size and digest.
public struct AttachmentReference: Codable, Sendable, Equatable {
    public var componentCode: String
    public var fileName: String
    public var mediaType: String
    public var sizeBytes: Int
    public var sha256: String
    /// The detached CMS/PKCS#7 signature over the component's bytes, where the procedure requires one (Đ.14.2).
    public var signature: SignatureReference?
    /// The component's bytes, base64; required for components that must be signed, so that the
    /// signature can be verified against them.
    public var contentBase64: String?
    /// The document archive keeps for this component (uploaded with an upload ticket,
    /// `dossier.submit.v2`): then no bytes travel, and archive's facts about the document
    /// (`document.stored.v1`) stand for its digest, size, type and signature.
    public var documentId: String?

    public init(componentCode: String, fileName: String, mediaType: String, sizeBytes: Int, sha256: String,
                signature: SignatureReference? = nil, contentBase64: String? = nil, documentId: String? = nil) {
        self.contentBase64 = contentBase64
        self.documentId = documentId
        self.componentCode = componentCode
        self.fileName = fileName
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.signature = signature
    }
}

extension AttachmentReference {
    /// The same declaration without the bytes (its digest and size still identify them): what an
    /// answer to the sender carries, so that an answer is never larger than what was sent.
    public var withoutBytes: AttachmentReference {
        var copy = self
        copy.contentBase64 = nil
        copy.signature?.contentBase64 = nil
        return copy
    }
}

/// A detached signature file (chữ ký số), declared like an attachment.
public struct SignatureReference: Codable, Sendable, Equatable {
    public var fileName: String
    /// `application/pkcs7-signature`.
    public var mediaType: String
    public var sizeBytes: Int
    public var sha256: String
    /// The signature file (DER or PEM CMS), base64.
    public var contentBase64: String?

    public init(fileName: String, mediaType: String = "application/pkcs7-signature", sizeBytes: Int, sha256: String,
                contentBase64: String? = nil) {
        self.contentBase64 = contentBase64
        self.fileName = fileName
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
    }
}

/// One problem found in a submission: a code, where (JSON path) and a Vietnamese explanation.
public struct Problem: Codable, Sendable, Equatable {
    public var code: String
    public var path: String
    public var message: String

    public init(code: String, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }
}

/// `dossier.submit.v1`: an integrator submits a dossier (hồ sơ) on a member's behalf.
public struct DossierSubmitV1: Codable, Sendable, Equatable {
    /// The integrator's own id for this submission; the idempotency key with the integrator.
    public var clientSubmissionId: String
    /// Procedure code (mã TTHC) from the catalog.
    public var procedureCode: String
    /// The organisation that receives the dossier (tổ chức đảng tiếp nhận), by its code.
    public var receivingOrganisationCode: String
    public var submitter: Submitter
    /// The version of the procedure's form the member filled in; must be the current one (Đ.29.3).
    public var formVersion: String?
    /// Form fields (tờ khai) by field name.
    public var form: [String: String]
    public var attachments: [AttachmentReference]
    /// Present when someone submits for the member (Đ.11).
    public var delegation: SubmissionDelegation?
    /// Components given by earlier results (`dossier.submit.v2` only; kept here, the shape intake
    /// keeps and announces).
    public var resultReferences: [ResultReference]?

    public init(clientSubmissionId: String, procedureCode: String, receivingOrganisationCode: String,
                submitter: Submitter, formVersion: String? = nil, form: [String: String] = [:],
                attachments: [AttachmentReference] = [], delegation: SubmissionDelegation? = nil,
                resultReferences: [ResultReference]? = nil) {
        self.resultReferences = resultReferences
        self.delegation = delegation
        self.clientSubmissionId = clientSubmissionId
        self.procedureCode = procedureCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.submitter = submitter
        self.formVersion = formVersion
        self.form = form
        self.attachments = attachments
    }
}

/// `dossier.received.v1`: the dossier has its code and its official receipt time (Đ.14.1).
public struct DossierReceivedV1: Codable, Sendable, Equatable {
    /// Dossier code (mã hồ sơ), for life.
    public var dossierCode: String
    public var integrator: String
    public var clientSubmissionId: String
    public var procedureCode: String
    public var receivingOrganisationCode: String
    public var submitter: Submitter
    public var form: [String: String]
    public var attachments: [AttachmentReference]
    public var receivedAt: Date
    /// Official receipt time (thời điểm tiếp nhận chính thức).
    public var officialReceiptAt: Date
    /// Processing deadline (hạn giải quyết) from the procedure's time limit, in working days.
    public var deadline: Date?
    /// Public status page of the dossier, for the receipt's QR code.
    public var verificationUrl: String?
    /// Present when someone submitted for the member (Đ.11).
    public var delegation: SubmissionDelegation?
    /// Components given by earlier results of the member's data store (Đ.13.2).
    public var resultReferences: [ResultReference]?
    /// The receipt secret: only in the answer to the submitter (never in the event); shown to the
    /// status desk (`X-Receipt-Secret`), it reveals the dossier's whole history.
    public var receiptSecret: String?

    public init(dossierCode: String, integrator: String, clientSubmissionId: String, procedureCode: String,
                receivingOrganisationCode: String, submitter: Submitter, form: [String: String],
                attachments: [AttachmentReference], receivedAt: Date, officialReceiptAt: Date,
                deadline: Date? = nil, verificationUrl: String? = nil, delegation: SubmissionDelegation? = nil,
                resultReferences: [ResultReference]? = nil) {
        self.resultReferences = resultReferences
        self.delegation = delegation
        self.deadline = deadline
        self.verificationUrl = verificationUrl
        self.dossierCode = dossierCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.procedureCode = procedureCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.submitter = submitter
        self.form = form
        self.attachments = attachments
        self.receivedAt = receivedAt
        self.officialReceiptAt = officialReceiptAt
    }
}

extension DossierReceivedV1 {
    /// The receipt as answered to the sender: attachments and the delegation letter declared,
    /// their bytes not echoed (validation reads them from the event on `tthc.events`).
    public var withoutDocumentBytes: DossierReceivedV1 {
        var copy = self
        copy.attachments = attachments.map(\.withoutBytes)
        copy.delegation = delegation?.withoutDocumentBytes
        return copy
    }

    /// The receipt for everyone but the submitter: without the receipt secret.
    public var withoutSecret: DossierReceivedV1 {
        var copy = self
        copy.receiptSecret = nil
        return copy
    }
}

/// `dossier.rejected.v1`: the submission did not pass the technical check; no dossier exists.
public struct DossierRejectedV1: Codable, Sendable, Equatable {
    public var integrator: String
    public var clientSubmissionId: String?
    public var problems: [Problem]

    public init(integrator: String, clientSubmissionId: String?, problems: [Problem]) {
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.problems = problems
    }
}

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
    /// Corrections of the submitter's data the request asked for.
    public var submitter: SubmitterCorrection?

    public init(dossierCode: String, clientSubmissionId: String, form: [String: String] = [:],
                attachments: [AttachmentReference] = [], note: String? = nil, submitter: SubmitterCorrection? = nil) {
        self.submitter = submitter
        self.dossierCode = dossierCode
        self.clientSubmissionId = clientSubmissionId
        self.form = form
        self.attachments = attachments
        self.note = note
    }
}

/// `dossier.supplement-received.v1`: intake took an amendment (Đ.15) for an existing dossier;
/// the dossier code does not change.
public struct DossierSupplementReceivedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var integrator: String
    public var clientSubmissionId: String
    /// Changed or added form fields.
    public var form: [String: String]
    /// New versions of components (replacing the component with the same code).
    public var attachments: [AttachmentReference]
    public var note: String?
    public var receivedAt: Date
    /// Corrections of the submitter's data (an empty text: the registry fills it).
    public var submitter: SubmitterCorrection?

    public init(dossierCode: String, integrator: String, clientSubmissionId: String, form: [String: String],
                attachments: [AttachmentReference], note: String?, receivedAt: Date, submitter: SubmitterCorrection? = nil) {
        self.submitter = submitter
        self.dossierCode = dossierCode
        self.integrator = integrator
        self.clientSubmissionId = clientSubmissionId
        self.form = form
        self.attachments = attachments
        self.note = note
        self.receivedAt = receivedAt
    }
}

extension DossierSupplementReceivedV1 {
    /// The receipt as answered to the sender, without the attachments' bytes.
    public var withoutDocumentBytes: DossierSupplementReceivedV1 {
        var copy = self
        copy.attachments = attachments.map(\.withoutBytes)
        return copy
    }
}

extension MessageType {
    /// Submitter → intake: a new dossier (nộp hồ sơ).
    public static let dossierSubmit = MessageType("dossier.submit", major: 1)
    /// Intake: the dossier passed the technical check and has a code and an official receipt time.
    public static let dossierReceived = MessageType("dossier.received", major: 1)
    /// Intake: the submission failed the technical check; every problem is listed.
    public static let dossierRejected = MessageType("dossier.rejected", major: 1)
    public static let dossierSupplement = MessageType("dossier.supplement", major: 1)
    public static let dossierSupplementReceived = MessageType("dossier.supplement-received", major: 1)
}
