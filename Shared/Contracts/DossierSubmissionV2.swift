import Foundation

/// `dossier.submit.v2`: a dossier whose components were uploaded to archive beforehand (with
/// intake's upload tickets) and are referenced here, never carried: a scanned PDF of the catalog's
/// 10 MiB fits, and no message holds a document's bytes. The rest is `dossier.submit.v1`'s. Intake
/// answers as for v1 (`dossier.received.v1` / `dossier.rejected.v1`).
public struct DossierSubmitV2: Codable, Sendable, Equatable {
    public var clientSubmissionId: String
    public var procedureCode: String
    public var receivingOrganisationCode: String
    public var submitter: Submitter
    public var formVersion: String?
    public var form: [String: String]
    /// Each component by reference; a signed component's signature was uploaded to archive with it.
    public var attachments: [DocumentReference]
    /// A written delegation's letter is a `DocumentReference` too (component `GUQ`).
    public var delegation: DelegationV2?
    /// Components given by an earlier result of the member's data store (Đ.13.2), where the
    /// catalog lets that result stand for the component.
    public var resultReferences: [ResultReference]?

    public init(clientSubmissionId: String, procedureCode: String, receivingOrganisationCode: String, submitter: Submitter,
                formVersion: String? = nil, form: [String: String] = [:], attachments: [DocumentReference] = [],
                delegation: DelegationV2? = nil, resultReferences: [ResultReference]? = nil) {
        self.resultReferences = resultReferences
        self.clientSubmissionId = clientSubmissionId
        self.procedureCode = procedureCode
        self.receivingOrganisationCode = receivingOrganisationCode
        self.submitter = submitter
        self.formVersion = formVersion
        self.form = form
        self.attachments = attachments
        self.delegation = delegation
    }

    /// The same submission in the shape intake keeps and announces: components declared with their
    /// document ids and no bytes.
    public var declared: DossierSubmitV1 {
        var delegation = self.delegation.map {
            SubmissionDelegation(delegateKind: $0.delegateKind, delegateId: $0.delegateId, delegateName: $0.delegateName,
                                 form: $0.form, document: $0.document?.declared, authorisationReference: $0.authorisationReference,
                                 validUntil: $0.validUntil)
        }
        if delegation?.form == .accountAuthorisation { delegation?.document = nil }
        return DossierSubmitV1(clientSubmissionId: clientSubmissionId, procedureCode: procedureCode,
                               receivingOrganisationCode: receivingOrganisationCode, submitter: submitter, formVersion: formVersion,
                               form: form, attachments: attachments.map(\.declared), delegation: delegation,
                               resultReferences: resultReferences)
    }
}

/// A component of a dossier (thành phần hồ sơ) by reference to a document archive keeps: the
/// `documentId` of the upload ticket it was uploaded with, and what the submitter declares of it,
/// which must match what archive measured.
public struct DocumentReference: Codable, Sendable, Equatable {
    public var componentCode: String
    public var fileName: String
    public var documentId: String
    public var mediaType: String
    public var sizeBytes: Int
    public var sha256: String

    public init(componentCode: String, fileName: String, documentId: String, mediaType: String, sizeBytes: Int, sha256: String) {
        self.componentCode = componentCode
        self.fileName = fileName
        self.documentId = documentId
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
    }

    public var declared: AttachmentReference {
        AttachmentReference(componentCode: componentCode, fileName: fileName, mediaType: mediaType, sizeBytes: sizeBytes,
                            sha256: sha256, documentId: documentId)
    }
}

/// Delegation (ủy quyền, Đ.11) in `dossier.submit.v2`: as in v1, with the letter by reference.
public struct DelegationV2: Codable, Sendable, Equatable {
    public var delegateKind: SubmissionDelegation.DelegateKind
    public var delegateId: String
    public var delegateName: String
    public var form: SubmissionDelegation.Form
    /// The delegation letter (giấy ủy quyền), uploaded as component `GUQ` with its signature.
    public var document: DocumentReference?
    public var authorisationReference: String?
    public var validUntil: Date?

    public init(delegateKind: SubmissionDelegation.DelegateKind, delegateId: String, delegateName: String,
                form: SubmissionDelegation.Form, document: DocumentReference? = nil, authorisationReference: String? = nil,
                validUntil: Date? = nil) {
        self.delegateKind = delegateKind
        self.delegateId = delegateId
        self.delegateName = delegateName
        self.form = form
        self.document = document
        self.authorisationReference = authorisationReference
        self.validUntil = validUntil
    }
}

extension DossierSubmitV1 {
    /// The submission as intake keeps it: components declared by size and digest, their bytes
    /// (v1's inline ones) left to archive and validation's encrypted revisions.
    public var withoutDocumentBytes: DossierSubmitV1 {
        var copy = self
        copy.attachments = attachments.map(\.withoutBytes)
        copy.delegation = delegation?.withoutDocumentBytes
        return copy
    }
}

extension MessageType {
    /// Submitter → intake: a new dossier whose components were uploaded to archive (nộp hồ sơ).
    public static let dossierSubmitV2 = MessageType("dossier.submit", major: 2)
}
