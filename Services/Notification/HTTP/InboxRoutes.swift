import Contracts
import Foundation
import Hummingbird
import Persistence
import ServiceKit

/// The account inbox (hộp thư tài khoản), audited:
/// - `GET /v1/organisations/{code}/notices?before={id}&limit={n}`: an organisation's notices, for its
///   officers and auditors; `POST /v1/organisations/{code}/notices/{id}/read`: an officer of the
///   organisation marks one read.
/// - `GET /v1/members/{memberId}/notices?…` and `POST /v1/members/{memberId}/notices/{id}/read`: a
///   member's notices, for auditors (all of them) and for a portal (integrator, token role `portal`,
///   `sub` = its integrator name): those about the dossiers it submitted for the member, no others.
/// Pages are newest first, at most `limit` (100 by default, 500 at most), older than `before`, with
/// the unread count; marking read again answers the same (the first reading stands).
struct InboxRoutes: Sendable {
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
        let recipientKind: String
        let recipientId: String
        /// The same id under its own name (`organisationCode` was the organisations' inbox's first field).
        let organisationCode: String?
        let memberId: String?
        let unread: Int
        let notices: [Notice]
        /// Pass as `before` for the next page; absent on the last page.
        let nextBefore: Int?
    }

    /// Whose inbox and who may read it or mark it read.
    struct Inbox {
        let kind: NoticeRecipientKind
        let id: String

        func mayRead(_ call: OfficerCall) throws -> Bool {
            if call.officer.role == "auditor" { return true }
            return try mayMark(call)
        }

        func mayMark(_ call: OfficerCall) throws -> Bool {
            switch kind {
            case .organisation: return call.officer.role == "officer" && call.officer.org == id
            case .member:
                guard call.officer.role == OfficerClaims.portalRole else { return false }
                return try call.context.db.execute("SELECT 1 FROM dossier_portals WHERE member_id = $1 AND integrator = $2 LIMIT 1",
                                                   [id, call.officer.sub.value]).first != nil
            }
        }

        /// The portal whose dossiers bound what the caller sees (nil: the whole inbox).
        func portal(_ call: OfficerCall) -> String? {
            call.officer.role == OfficerClaims.portalRole ? call.officer.sub.value : nil
        }

        /// The notices the caller may see: $1 kind, $2 id, $3 the portal (NULL: all).
        static let visible = """
            recipient_kind = $1 AND recipient_id = $2
            AND ($3::text IS NULL OR dossier_code IN (SELECT dossier_code FROM dossier_portals WHERE member_id = $2 AND integrator = $3))
            """

        var refusal: String {
            kind == .organisation ? "Chỉ cán bộ của tổ chức đó và kiểm toán viên xem được thông báo của tổ chức."
                : "Chỉ cổng dịch vụ đã nộp hồ sơ cho đảng viên và kiểm toán viên xem được thông báo của đảng viên."
        }
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources,
                                       roles: OfficerClaims.officerRoles.union([OfficerClaims.portalRole]))
        for (path, kind) in [("organisations", NoticeRecipientKind.organisation), ("members", .member)] {
            router.get("/v1/\(path)/:id/notices") { request, context in
                let inbox = Inbox(kind: kind, id: context.parameters.get("id") ?? "")
                let query = request.uri.queryParameters
                let before = query["before"].flatMap { Int(String($0)) }, limit = query["limit"].flatMap { Int(String($0)) }
                return try await officers.serve(request) { try page(inbox, before: before, limit: limit, $0) }
            }
            router.post("/v1/\(path)/:id/notices/:notice/read") { request, context in
                let inbox = Inbox(kind: kind, id: context.parameters.get("id") ?? "")
                let notice = Int(context.parameters.get("notice") ?? "")
                return try await officers.serve(request) { try markRead(inbox, notice: notice, $0) }
            }
        }
    }

    func page(_ inbox: Inbox, before: Int?, limit: Int?, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = try inbox.mayRead(call)
        try call.audit("read-\(inbox.kind.rawValue)-notices", memberId: inbox.kind == .member ? inbox.id : nil, allowed: allowed, detail: inbox.id)
        guard allowed else { return try HTTPAnswer.error(.forbidden, "forbidden", inbox.refusal) }
        let size = min(max(limit ?? 100, 1), Self.pageLimit)
        let db = call.context.db
        let notices = try db.execute("""
            SELECT id, dossier_code, source_type, text, \(rfc3339SQL("created_at")) AS created_at, \(rfc3339SQL("read_at")) AS read_at
            FROM notices WHERE \(Inbox.visible) AND ($4::bigint IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $5
            """, [inbox.kind.rawValue, inbox.id, inbox.portal(call), before, size + 1]).rows.map { row in
            Notice(id: try row.int("id"), dossierCode: try row.optionalString("dossier_code"), type: try row.string("source_type"),
                   text: try row.string("text"), createdAt: try row.optionalString("created_at").flatMap(WireJSON.parseTimestamp),
                   readAt: try row.optionalString("read_at").flatMap(WireJSON.parseTimestamp))
        }
        let unread = try db.execute("""
            SELECT count(*) AS n FROM notices WHERE \(Inbox.visible) AND read_at IS NULL
            """, [inbox.kind.rawValue, inbox.id, inbox.portal(call)]).first?.int("n") ?? 0
        let shown = Array(notices.prefix(size))
        return try HTTPAnswer.json(.ok, Page(recipientKind: inbox.kind.rawValue, recipientId: inbox.id,
                                            organisationCode: inbox.kind == .organisation ? inbox.id : nil,
                                            memberId: inbox.kind == .member ? inbox.id : nil, unread: unread, notices: shown,
                                            nextBefore: notices.count > size ? shown.last?.id : nil))
    }

    func markRead(_ inbox: Inbox, notice id: Int?, _ call: OfficerCall) throws -> HTTPAnswer {
        let allowed = try inbox.mayMark(call)
        try call.audit("mark-notice-read", allowed: allowed, detail: "\(inbox.kind.rawValue) \(inbox.id) \(id.map(String.init) ?? "?")")
        guard allowed else { return try HTTPAnswer.error(.forbidden, "forbidden", inbox.refusal) }
        guard let id, let row = try call.context.db.execute("""
            UPDATE notices SET read_at = coalesce(read_at, $5), read_by = coalesce(read_by, $6)
            WHERE \(Inbox.visible) AND id = $4
            RETURNING \(rfc3339SQL("read_at")) AS read_at
            """, [inbox.kind.rawValue, inbox.id, inbox.portal(call), id, call.context.now, call.officer.sub.value]).first else {
            return try HTTPAnswer.error(.notFound, "unknown-notice", "Không có thông báo này trong hộp thư của \(inbox.id).")
        }
        return try HTTPAnswer.json(.ok, ["id": String(id), "readAt": try row.string("read_at")])
    }
}
