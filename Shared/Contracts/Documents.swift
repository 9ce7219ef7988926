import Foundation

/// What an integrator asks intake for before uploading a component of a dossier (Services/Intake,
/// `POST /v1/documents/upload-tickets`).
public struct UploadTicketRequest: Codable, Sendable, Equatable {
    public var procedureCode: String
    public var componentCode: String
    /// The member whose dossier the document belongs to.
    public var memberId: String

    public init(procedureCode: String, componentCode: String, memberId: String) {
        self.procedureCode = procedureCode
        self.componentCode = componentCode
        self.memberId = memberId
    }
}

/// Intake's answer: the ticket to upload with (`Authorization: Bearer <ticket>` on `uploadURL`),
/// the document id it will have, and the catalog's limits for the component.
public struct UploadTicketV1: Codable, Sendable, Equatable {
    public var ticket: String
    public var documentId: String
    public var uploadURL: String
    public var maximumBytes: Int
    public var mediaTypes: [String]
    public var expiresAt: Date

    public init(ticket: String, documentId: String, uploadURL: String, maximumBytes: Int, mediaTypes: [String], expiresAt: Date) {
        self.ticket = ticket
        self.documentId = documentId
        self.uploadURL = uploadURL
        self.maximumBytes = maximumBytes
        self.mediaTypes = mediaTypes
        self.expiresAt = expiresAt
    }
}

/// A stored document as archive describes it after the upload (Services/Archive, `PUT /v1/documents/{id}`):
/// what a dossier's component references instead of carrying bytes.
public struct StoredDocumentV1: Codable, Sendable, Equatable {
    public var documentId: String
    public var sha256: String
    public var sizeBytes: Int
    public var mediaType: String
    public var componentCode: String
    public var storedAt: Date
    /// The verified detached signature, once uploaded (`PUT /v1/documents/{id}/signature`).
    public var signature: DocumentSignatureFacts?

    public init(documentId: String, sha256: String, sizeBytes: Int, mediaType: String, componentCode: String, storedAt: Date,
                signature: DocumentSignatureFacts? = nil) {
        self.signature = signature
        self.documentId = documentId
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.mediaType = mediaType
        self.componentCode = componentCode
        self.storedAt = storedAt
    }
}

/// The delegation letter (giấy ủy quyền, Đ.11) is uploaded like a component, under this code, for
/// any procedure a delegate may submit; it must be signed by the member who delegates.
public enum DelegationLetter {
    public static let componentCode = "GUQ"
    public static let name = "Giấy ủy quyền"
    public static let mediaTypes = ["application/pdf"]
    public static let maxSizeBytes = 10 * 1024 * 1024
}

/// `document.stored.v1` (archive): the facts of a stored document, for the services that judge a
/// dossier by them (validation) without reading its bytes. Emitted when the upload completes, and
/// again once its detached signature is verified (then with `signature`); facts only ever grow.
public struct DocumentStoredV1: Codable, Sendable, Equatable {
    public var documentId: String
    /// Who uploaded it, and for which member, procedure and component (from the upload ticket).
    public var integrator: String
    public var memberId: String
    public var procedureCode: String
    public var componentCode: String
    public var mediaType: String
    public var sizeBytes: Int
    public var sha256: String
    public var storedAt: Date
    /// The verified detached signature over the document's bytes (Đ.14.2), once uploaded.
    public var signature: DocumentSignatureFacts?

    public init(documentId: String, integrator: String, memberId: String, procedureCode: String, componentCode: String,
                mediaType: String, sizeBytes: Int, sha256: String, storedAt: Date, signature: DocumentSignatureFacts? = nil) {
        self.documentId = documentId
        self.integrator = integrator
        self.memberId = memberId
        self.procedureCode = procedureCode
        self.componentCode = componentCode
        self.mediaType = mediaType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.storedAt = storedAt
        self.signature = signature
    }
}

/// What archive established about a document's detached CMS signature: it matches the bytes, the
/// certificate chains to a trusted authority, was valid at the signing time and may sign. Who the
/// signer must be is the judging service's rule.
public struct DocumentSignatureFacts: Codable, Sendable, Equatable {
    /// The signer certificate's subject, e.g. `/CN=Nguyen Van An/serialNumber=001085012345`.
    public var subject: String
    public var commonName: String?
    /// The subject's serialNumber: for Vietnamese personal certificates, the citizen id.
    public var subjectSerialNumber: String?
    public var signingTime: Date?
    /// The signature file's own digest.
    public var signatureSha256: String
    public var verifiedAt: Date

    public init(subject: String, commonName: String?, subjectSerialNumber: String?, signingTime: Date?, signatureSha256: String,
                verifiedAt: Date) {
        self.subject = subject
        self.commonName = commonName
        self.subjectSerialNumber = subjectSerialNumber
        self.signingTime = signingTime
        self.signatureSha256 = signatureSha256
        self.verifiedAt = verifiedAt
    }
}

extension MessageType {
    /// Archive: a document's facts (stored; its signature verified).
    public static let documentStored = MessageType("document.stored", major: 1)
}

/// Archive's `GET /v1/dossiers/{code}/documents`: the documents a dossier references, for the
/// officers of the organisations on its route.
public struct DossierDocumentsV1: Codable, Sendable, Equatable {
    public var dossierCode: String
    public var documents: [DossierDocumentV1]
    /// Components given by an earlier result of the member's data store (Đ.13.2).
    public var results: [DossierResultV1]

    public init(dossierCode: String, documents: [DossierDocumentV1], results: [DossierResultV1] = []) {
        self.dossierCode = dossierCode
        self.documents = documents
        self.results = results
    }
}

/// A component given by a result: the result's verification page shows whether it stands and
/// prints its full content (`…/ban-giay.pdf`).
public struct DossierResultV1: Codable, Sendable, Equatable {
    public var componentCode: String
    public var resultCode: String
    public var documentTypeCode: String
    /// `valid` or `revoked`, now.
    public var status: String
    public var verificationURL: String

    public init(componentCode: String, resultCode: String, documentTypeCode: String, status: String, verificationURL: String) {
        self.componentCode = componentCode
        self.resultCode = resultCode
        self.documentTypeCode = documentTypeCode
        self.status = status
        self.verificationURL = verificationURL
    }
}

public struct DossierDocumentV1: Codable, Sendable, Equatable {
    public var componentCode: String
    public var fileName: String
    public var document: StoredDocumentV1
    /// Archive's path to read it (`GET`, the same officer token).
    public var url: String

    public init(componentCode: String, fileName: String, document: StoredDocumentV1, url: String) {
        self.componentCode = componentCode
        self.fileName = fileName
        self.document = document
        self.url = url
    }
}
