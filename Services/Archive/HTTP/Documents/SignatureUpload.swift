import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit
import Signatures

/// `PUT /v1/documents/{documentId}/signature`: the detached signature of a stored document,
/// verified against the stored bytes before it is kept (Đ.14.2). Refusals name the signature
/// problem (`signature-invalid`, `signature-untrusted`, …) so the integrator can fix it at once,
/// before any dossier references the document.
extension DocumentRoutes {
    func uploadSignature(_ request: Request, id: String, clock: ServiceClock) async throws -> Response {
        guard let ticket = await ticket(of: request, for: id) else { return Self.invalidTicket }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/pkcs7-signature" else {
            return HTTPError.response(.unsupportedMediaType, "media-type-not-allowed", "Chữ ký số phải gửi dạng application/pkcs7-signature.")
        }
        guard let facts = try await store.facts(ticket.jti.value), facts.integrator == ticket.sub.value else {
            return HTTPError.response(.conflict, "document-not-stored", "Tài liệu chưa được tải lên xong: tải tài liệu trước, rồi chữ ký.")
        }
        guard let body = try? await request.body.collect(upTo: DocumentStore.signatureMaxBytes) else {
            return HTTPError.response(.contentTooLarge, "signature-too-large",
                                      "Tệp chữ ký số vượt quá \(DocumentStore.signatureMaxBytes) byte.")
        }
        let signature = Array(buffer: body)
        let verified: VerifiedSignature
        do {
            guard let verifier else { throw SignatureProblem.untrustedCertificate }
            // A signature without a signingTime attribute is judged at the document's upload time.
            verified = try verifier.verify(signature: signature, content: try await store.content(of: facts), fallbackTime: facts.storedAt)
        } catch let problem as SignatureProblem {
            return HTTPError.response(.unprocessableContent, problem.code, problem.description)
        }
        switch try await store.attach(signature: signature, verified: verified, to: facts, at: clock.now) {
        case .attached(let stored): return try jsonResponse(.created, stored.answer)
        case .alreadyAttached(let stored): return try jsonResponse(.ok, stored.answer)
        case .conflict:
            return HTTPError.response(.conflict, "signature-already-stored", "Tài liệu này đã có một chữ ký số khác.")
        }
    }
}
