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

    public init(documentId: String, sha256: String, sizeBytes: Int, mediaType: String, componentCode: String, storedAt: Date) {
        self.documentId = documentId
        self.sha256 = sha256
        self.sizeBytes = sizeBytes
        self.mediaType = mediaType
        self.componentCode = componentCode
        self.storedAt = storedAt
    }
}
