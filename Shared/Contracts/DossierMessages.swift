import Foundation

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

    public init(componentCode: String, fileName: String, mediaType: String, sizeBytes: Int, sha256: String,
                signature: SignatureReference? = nil, contentBase64: String? = nil) {
        self.contentBase64 = contentBase64
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

    public init(clientSubmissionId: String, procedureCode: String, receivingOrganisationCode: String,
                submitter: Submitter, formVersion: String? = nil, form: [String: String] = [:],
                attachments: [AttachmentReference] = [], delegation: SubmissionDelegation? = nil) {
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

    public init(dossierCode: String, integrator: String, clientSubmissionId: String, procedureCode: String,
                receivingOrganisationCode: String, submitter: Submitter, form: [String: String],
                attachments: [AttachmentReference], receivedAt: Date, officialReceiptAt: Date,
                deadline: Date? = nil, verificationUrl: String? = nil, delegation: SubmissionDelegation? = nil) {
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

extension DossierReceivedV1 {
    /// The receipt as answered to the sender: attachments and the delegation letter declared,
    /// their bytes not echoed (validation reads them from the event on `tthc.events`).
    public var withoutDocumentBytes: DossierReceivedV1 {
        var copy = self
        copy.attachments = attachments.map(\.withoutBytes)
        copy.delegation = delegation?.withoutDocumentBytes
        return copy
    }
}

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

    public init(dossierCode: String, procedureCode: String, memberId: String, decision: Decision, reason: String?,
                decidingOrganisationCode: String, decidedAt: Date, resultData: [String: String]? = nil) {
        self.resultData = resultData
        self.dossierCode = dossierCode
        self.procedureCode = procedureCode
        self.memberId = memberId
        self.decision = decision
        self.reason = reason
        self.decidingOrganisationCode = decidingOrganisationCode
        self.decidedAt = decidedAt
    }
}

/// `result.issued.v1`: the result document (kết quả giải quyết) is archived with its code.
public struct ResultIssuedV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    /// `KQ.<member>.<document type>.<number>` (Đ.17.3c).
    public var resultCode: String
    public var documentTypeCode: String
    public var memberId: String
    public var decision: DossierDecidedV1.Decision
    /// SHA-256 of the stored result document.
    public var sha256: String
    public var issuedAt: Date

    public init(dossierCode: String, resultCode: String, documentTypeCode: String, memberId: String,
                decision: DossierDecidedV1.Decision, sha256: String, issuedAt: Date) {
        self.dossierCode = dossierCode
        self.resultCode = resultCode
        self.documentTypeCode = documentTypeCode
        self.memberId = memberId
        self.decision = decision
        self.sha256 = sha256
        self.issuedAt = issuedAt
    }
}

/// `payment.requested.v1`: an amount (fee or party dues, đảng phí) is due from a member.
public struct PaymentRequestedV1: Codable, Sendable, Equatable {
    public var paymentId: String
    public var dossierCode: String?
    public var memberId: String
    public var amountVND: Int
    public var purpose: String

    public init(paymentId: String, dossierCode: String?, memberId: String, amountVND: Int, purpose: String) {
        self.paymentId = paymentId
        self.dossierCode = dossierCode
        self.memberId = memberId
        self.amountVND = amountVND
        self.purpose = purpose
    }
}
