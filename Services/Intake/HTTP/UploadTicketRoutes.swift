import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// `POST /v1/documents/upload-tickets` (`UploadTicketRequest` → `UploadTicketV1`): an authenticated
/// integrator gets permission to upload one component of a procedure to archive, with the
/// catalog's size and media types for it. Intake keeps nothing: the ticket carries it, signed.
struct UploadTicketRoutes: Sendable {
    let catalog: ProcedureCatalog
    /// PAKN items' attachments (procedure `PAKN`, component `TL`) are uploaded the same way.
    let feedbackRules: FeedbackRules
    let tickets: UploadTickets
    /// archive's upload address (`TTHC_DOCUMENT_UPLOAD_URL`), to which the document id is appended.
    let uploadURL: String

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.post("/v1/documents/upload-tickets") { request, _ in
            try await ticket(request, resources: resources)
        }
    }

    func ticket(_ request: Request, resources: ServiceResources) async throws -> Response {
        guard let token = request.headers[.authorization].flatMap(bearerToken) else { return Integrators.unauthenticated }
        guard let integrator = try await resources.database.run({ try Integrators.named(byToken: token, db: $0) }) else {
            return Integrators.unauthenticated
        }
        guard let body = try? await request.body.collect(upTo: 4096),
              let asked = try? WireJSON.decode(UploadTicketRequest.self, from: Array(buffer: body)) else {
            return HTTPError.response(.badRequest, "malformed-json",
                                      #"Nội dung phải là JSON {"procedureCode", "componentCode", "memberId"}."#)
        }
        let now = resources.clock.now
        if asked.procedureCode == FeedbackRules.attachmentProcedure {
            guard asked.componentCode == FeedbackRules.attachmentComponent else {
                return HTTPError.response(.notFound, "component-not-found",
                                          "Tài liệu kèm theo phản ánh, kiến nghị có mã thành phần \(FeedbackRules.attachmentComponent).")
            }
            return try await issue(integrator: integrator, member: asked.memberId, procedure: FeedbackRules.attachmentProcedure,
                                   limits: (asked.componentCode, feedbackRules.attachments.maxBytes, feedbackRules.attachments.mediaTypes))
        }
        guard let procedure = catalog.procedure(asked.procedureCode, at: now) else {
            return HTTPError.response(.notFound, "procedure-not-found", "Không có thủ tục \(WireText.quote(asked.procedureCode)) đang có hiệu lực.")
        }
        // A delegation letter (Đ.11) is uploaded like a component of any procedure a delegate may submit.
        let limits: (code: String, maxBytes: Int, mediaTypes: [String])
        if let component = procedure.components.first(where: { $0.code == asked.componentCode }) {
            limits = (component.code, component.maxSizeBytes, component.mediaTypes)
        } else if asked.componentCode == DelegationLetter.componentCode, procedure.whoMaySubmit.contains("delegate") {
            limits = (DelegationLetter.componentCode, DelegationLetter.maxSizeBytes, DelegationLetter.mediaTypes)
        } else {
            return HTTPError.response(.notFound, "component-not-found",
                                      "Thủ tục \(procedure.code) không có thành phần hồ sơ \(WireText.quote(asked.componentCode)).")
        }
        return try await issue(integrator: integrator, member: asked.memberId, procedure: procedure.code, limits: limits)
    }

    /// A ticket for one document of the member (for a PAKN item of an organisation, the
    /// organisation code stands as the member).
    func issue(integrator: String, member asked: String, procedure: String,
               limits: (code: String, maxBytes: Int, mediaTypes: [String])) async throws -> Response {
        let member = asked.trimmingCharacters(in: .whitespaces)
        guard !member.isEmpty, member.count <= 64 else {
            return HTTPError.response(.badRequest, "malformed-json", "Thiếu memberId.")
        }
        let documentId = UUID().uuidString.lowercased()
        // The ticket's expiry is checked against the real clock (JWT), not the service clock.
        let expires = Date().addingTimeInterval(UploadTickets.validity)
        let signed = try await tickets.sign(UploadTicketClaims(
            integrator: integrator, documentId: documentId, member: member, procedure: procedure, component: limits.code,
            maxBytes: limits.maxBytes, mediaTypes: limits.mediaTypes, expires: expires))
        return try jsonResponse(.created, UploadTicketV1(
            ticket: signed, documentId: documentId, uploadURL: "\(uploadURL)/\(documentId)", maximumBytes: limits.maxBytes,
            mediaTypes: limits.mediaTypes, expiresAt: expires))
    }
}
