import Contracts
import Foundation
import Signatures

/// Components referenced by document id (`dossier.submit.v2`): judged from archive's facts
/// (`document.stored.v1`), never from bytes, which validation does not have. A reference must name
/// a document the same integrator uploaded for the same member, with the declared size, type and
/// digest; anything else is one problem that says no more (whose document it is, or whether it
/// exists, is not told). The member's documents are reused so (Đ.13.2, the data store): in a later
/// dossier, of any procedure, for any component whose catalog limits the declaration meets (the
/// technical check). A signed component's signer is judged as for bytes.
extension ContentCheck {
    /// Documents whose facts (or, for one that must be signed, whose signature's facts) have not
    /// arrived: the dossier waits for them rather than asking the member for what is on its way.
    func awaitedDocuments(_ content: DossierContent, procedure: ProcedureVersion, documents: [String: DocumentStoredV1]) -> [String] {
        var references = content.attachments.map { attachment in
            (attachment, procedure.components.first { $0.code == attachment.componentCode }?.signatureRequired ?? false)
        }
        if let letter = content.delegation?.document, content.delegation?.form == .writtenDocument { references.append((letter, true)) }
        return references.compactMap { attachment, signed in
            guard let id = attachment.documentId else { return nil }
            guard let facts = documents[id] else { return id }
            return signed && facts.signature == nil && Self.matches(attachment, facts, content: content) ? id : nil
        }
    }

    static func matches(_ attachment: AttachmentReference, _ facts: DocumentStoredV1, content: DossierContent) -> Bool {
        facts.integrator == content.integrator && facts.memberId == content.submitter.memberId
            && facts.sha256 == attachment.sha256 && facts.sizeBytes == attachment.sizeBytes && facts.mediaType == attachment.mediaType
    }

    func referencedDocumentProblems(_ attachment: AttachmentReference, name: String, path: String, signed: Bool,
                                    content: DossierContent, documents: [String: DocumentStoredV1],
                                    signer: (VerifiedSignature) -> (code: String, message: String)?) -> [Problem] {
        guard let facts = attachment.documentId.flatMap({ documents[$0] }), Self.matches(attachment, facts, content: content) else {
            return [Problem(code: "document-reference-invalid", path: "\(path).documentId",
                            message: "\(name): không có tài liệu đã tải lên khớp với tham chiếu này (cùng hệ thống gửi, đảng viên, định dạng, kích thước và mã băm); hãy tải lên lại.")]
        }
        guard signed else { return [] }
        guard let signature = facts.signature else {
            return [Problem(code: "signed-content-missing", path: "\(path).signature", message: "\(name) phải kèm chữ ký số.")]
        }
        let verified = VerifiedSignature(subject: signature.subject, commonName: signature.commonName,
                                         subjectSerialNumber: signature.subjectSerialNumber, signingTime: signature.signingTime)
        return signer(verified).map { [Problem(code: $0.code, path: "\(path).signature", message: $0.message)] } ?? []
    }
}
