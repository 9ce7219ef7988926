import Contracts
import Foundation
import Hummingbird
import Persistence
import ServiceKit

/// An organisation's notices (its inbox), for its officers and auditors, audited:
/// - `GET /v1/organisations/{code}/notices?before={id}&limit={n}`: newest first, at most `limit`
///   (100 by default, 500 at most), older than `before`, with the unread count;
/// - `POST /v1/organisations/{code}/notices/{id}/read`: an officer of the organisation marks one read
///   (again: answered the same, the first reading stands).
struct OrganisationInboxRoutes: Sendable {
    let tokens: OfficerTokens
    static let pageLimit = 500

    struct Notice: Encodable, Sendable {
        let id: Int
        let dossierCode: String?
        let type: String
        let text: String
        let createdAt: Date?
        let readAt: Date?
    }

    struct Page: Encodable, Sendable {
        let organisationCode: String
        let unread: Int
        let notices: [Notice]
        /// Pass as `before` for the next page; absent on the last page.
        let nextBefore: Int?
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.get("/v1/organisations/:code/notices") { request, context in
            let code = context.parameters.get("code") ?? ""
            let query = request.uri.queryParameters
            let before = query["before"].flatMap { Int(String($0)) }, limit = query["limit"].flatMap { Int(String($0)) }
            return try await officers.serve(request) { try page(code, before: before, limit: limit, $0) }
        }
        router.post("/v1/organisations/:code/notices/:id/read") { request, context in
            let code = context.parameters.get("code") ?? "", id = Int(context.parameters.get("id") ?? "")
            return try await officers.serve(request) { try markRead(code, id: id, $0) }
        }
    }

    func page(_ code: String, before: Int?, limit: Int?, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = call.officer.role == "auditor" || call.officer.org == code
        try call.audit("read-organisation-notices", allowed: allowed, detail: code)
        guard allowed else { return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ cán bộ của tổ chức đó và kiểm toán viên xem được thông báo của tổ chức.") }
        let size = min(max(limit ?? 100, 1), Self.pageLimit)
        let db = call.context.db
        let notices = try db.execute("""
            SELECT id, dossier_code, source_type, text, \(rfc3339SQL("created_at")) AS created_at, \(rfc3339SQL("read_at")) AS read_at
            FROM notices WHERE recipient_kind = 'organisation' AND recipient_id = $1 AND ($2::bigint IS NULL OR id < $2)
            ORDER BY id DESC LIMIT $3
            """, [code, before, size + 1]).rows.map { row in
            Notice(id: try row.int("id"), dossierCode: try row.optionalString("dossier_code"), type: try row.string("source_type"),
                   text: try row.string("text"), createdAt: try row.optionalString("created_at").flatMap(WireJSON.parseTimestamp),
                   readAt: try row.optionalString("read_at").flatMap(WireJSON.parseTimestamp))
        }
        let unread = try db.execute("""
            SELECT count(*) AS n FROM notices WHERE recipient_kind = 'organisation' AND recipient_id = $1 AND read_at IS NULL
            """, [code]).first?.int("n") ?? 0
        let shown = Array(notices.prefix(size))
        return try HTTPAnswer.json(.ok, Page(organisationCode: code, unread: unread, notices: shown,
                                            nextBefore: notices.count > size ? shown.last?.id : nil))
    }

    func markRead(_ code: String, id: Int?, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = call.officer.role == "officer" && call.officer.org == code
        try call.audit("mark-notice-read", allowed: allowed, detail: "\(code) \(id.map(String.init) ?? "?")")
        guard allowed else { return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ cán bộ của tổ chức đó đánh dấu đã đọc được.") }
        guard let id, let row = try call.context.db.execute("""
            UPDATE notices SET read_at = coalesce(read_at, $3), read_by = coalesce(read_by, $4)
            WHERE id = $1 AND recipient_kind = 'organisation' AND recipient_id = $2
            RETURNING \(rfc3339SQL("read_at")) AS read_at
            """, [id, code, call.context.now, call.officer.sub.value]).first else {
            return try HTTPAnswer.error(.notFound, "unknown-notice", "Tổ chức \(code) không có thông báo này.")
        }
        return try HTTPAnswer.json(.ok, ["id": String(id), "readAt": try row.string("read_at")])
    }
}
