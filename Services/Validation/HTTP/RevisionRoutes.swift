import Contracts
import Foundation
import Hummingbird
import Persistence
import ServiceKit
import ValidationRules

/// `GET /v1/dossiers/{code}/revisions`: the decrypted amendment history of a dossier (Đ.15.2), the
/// only path to it. Allowed to an `officer` of the receiving organisation and to an `auditor`;
/// every attempt, allowed or not, is written to the audit log.
struct RevisionRoutes: Sendable {
    let desk: CheckDesk
    let tokens: OfficerTokens
    let links: DocumentLinks

    struct History: Encodable {
        struct Revision: Encodable {
            let revision: Int
            let cause: String
            let keyId: String
            let createdAt: String
            let content: DossierContent
        }
        let dossierCode: String
        let revisions: [Revision]
        /// The documents the revisions reference, at archive (same token).
        let documentsURL: String
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.get("/v1/dossiers/:code/revisions") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request) { try history(code: code, $0) }
        }
    }

    func history(code: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let (officer, db) = (call.officer, call.context.db)
        let owner = try desk.receivingOrganisation(of: code, db: db)
        let allowed = owner != nil && (officer.role == "auditor" || (officer.role == "officer" && officer.org == owner))
        try call.audit("read-revisions", dossierCode: code, allowed: allowed, detail: owner == nil ? "unknown dossier" : nil)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden",
                                        "Cán bộ không có quyền xem lịch sử sửa đổi của hồ sơ \(code) (chỉ tổ chức tiếp nhận hoặc kiểm tra).")
        }
        let revisions = try desk.revisions(of: code, db: db).map {
            History.Revision(revision: $0.revision, cause: $0.cause, keyId: $0.keyId, createdAt: $0.createdAt, content: $0.content)
        }
        return try HTTPAnswer.json(.ok, History(dossierCode: code, revisions: revisions, documentsURL: links.dossierDocuments(code)))
    }
}
