import Calendar
import Contracts
import Foundation
import Hummingbird
import Persistence
import RoutingRules
import ServiceKit

/// The officers' edge (cán bộ của tổ chức đảng), authenticated by signed tokens (person,
/// organisation, role). An officer sees and decides only their organisation's steps, or another
/// organisation's under a delegation in force (Đ.11); every view and decision, allowed or not, is
/// written to the audit log.
///
/// - `GET  /v1/inbox`: the pending steps of the officer's organisations, by deadline.
/// - `GET  /v1/dossiers/{code}`: the route, its history and the dossier's content, for
///   organisations the route has reached (and auditors).
/// - `POST /v1/dossiers/{code}/steps/{n}/decision`: `{decision, reason, content}`.
/// - `POST /v1/delegations`: delegate the caller's role in their organisation for a period.
/// - `GET  /v1/temporary-transfers/extension-requests`: members' extension requests waiting for the
///   officer's organisations (as temporary committee).
/// - `POST /v1/temporary-transfers/{code}/extension-request/decision`: `{decision: grant|refuse, reason}`,
///   by the temporary committee.
/// - `GET  /v1/organisations/{code}/figures?from&to&format=json|csv`: the evaluation figures (Đ.37.2,
///   `EvaluationFigures`): steps, whole dossiers, interactions, satisfaction and PAKN items, for the
///   organisation, the organisations above it and auditors.
/// - `GET  /v1/organisations/{code}/audit?from&to&format=json|csv`: what the organisation's officers
///   did and saw in routing (its audit trail, newest first, at most 1,000 entries), for the same readers.
/// PAKN items have their own edge beside this one (FeedbackOfficerRoutes).
struct OfficerRoutes: Sendable {
    let desk: RouteDesk
    let tokens: OfficerTokens
    let extensionRequests: ExtensionRequests
    /// The dossier's documents at archive, linked from its view.
    let links: DocumentLinks
    var store: RouteStore { desk.store }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.get("/v1/inbox") { request, _ in
            try await officers.serve(request) { try inbox($0) }
        }
        router.get("/v1/dossiers/:code") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request) { try dossier(code: code, $0) }
        }
        router.post("/v1/dossiers/:code/steps/:step/decision") { request, context in
            let code = context.parameters.get("code") ?? "", step = Int(context.parameters.get("step") ?? "") ?? 0
            return try await officers.serve(request, body: DecisionRequest.self,
                                            expected: #"{"decision": "approve|return|refuse", "reason": "..."}"#) {
                try decide(code: code, step: step, $1, $0)
            }
        }
        router.post("/v1/delegations") { request, _ in
            try await officers.serve(request, body: DelegationRequest.self,
                                     expected: #"{"delegatePersonId", "validUntil" (RFC 3339), "reason"}"#) { try delegate($1, $0) }
        }
        router.get("/v1/temporary-transfers/extension-requests") { request, _ in
            try await officers.serve(request) { try extensionRequests($0) }
        }
        router.post("/v1/temporary-transfers/:code/extension-request/decision") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request, body: ExtensionDecisionRequest.self,
                                            expected: #"{"decision": "grant|refuse", "reason": "..."}"#) {
                try decideExtension(code: code, $1, $0)
            }
        }
        router.get("/v1/organisations/:code/figures") { request, context in
            let code = context.parameters.get("code") ?? "", query = FiguresQuery(request)
            return try await officers.serve(request) { try figures(code: code, query, $0) }
        }
        router.get("/v1/organisations/:code/audit") { request, context in
            let code = context.parameters.get("code") ?? "", query = FiguresQuery(request)
            return try await officers.serve(request) { try auditTrail(code: code, query, $0) }
        }
    }

    /// The organisations the officer acts for now: their own, and those delegated to them.
    static func actingFor(_ officer: OfficerClaims, at now: Date, db: PostgresConnection) throws -> [String: Actor] {
        var organisations: [String: Actor] = [:]
        if RouteDesk.decidingRoles.contains(officer.role) {
            organisations[officer.org] = Actor(personId: officer.sub.value, organisationCode: officer.org, role: officer.role)
        }
        for row in try db.execute("""
            SELECT id, organisation_code, role FROM delegations
            WHERE delegate_person_id = $1 AND revoked_at IS NULL AND valid_from <= $2::timestamptz AND valid_until > $2::timestamptz
            """, [officer.sub.value, now]).rows where organisations[try row.string("organisation_code")] == nil {
            let organisation = try row.string("organisation_code")
            organisations[organisation] = Actor(personId: officer.sub.value, organisationCode: organisation,
                                                role: try row.string("role"), delegationId: try row.string("id"))
        }
        return organisations
    }

    // MARK: Inbox

    func inbox(_ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let organisations = try Self.actingFor(call.officer, at: context.now, db: context.db)
        try call.audit("read-inbox", allowed: true, detail: organisations.keys.sorted().joined(separator: ","))
        let entries = try store.inbox(of: Array(organisations.keys), at: context.now, db: context.db)
        return try HTTPAnswer.json(.ok, entries)
    }

    // MARK: A dossier's route

    func dossier(code: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let (officer, context) = (call.officer, call.context)
        let reached = try store.reachedOrganisations(code, db: context.db)
        let acting = try Self.actingFor(officer, at: context.now, db: context.db)
        let allowed = officer.role == "auditor" || !reached.isDisjoint(with: acting.keys)
        try call.audit("read-dossier", dossierCode: code, allowed: allowed,
                       detail: reached.isEmpty ? "unknown or unrouted dossier" : nil)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Tổ chức của quý vị không tham gia giải quyết hồ sơ \(code).")
        }
        return try HTTPAnswer.json(.ok, try store.view(code, links: links, db: context.db))
    }

    // MARK: Decisions

    struct DecisionRequest: Decodable, Sendable {
        let decision: DossierStepDecidedV1.Decision
        let reason: String?
        let content: [String: String]?
    }

    func decide(code: String, step: Int, _ input: DecisionRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let organisation = try store.organisation(of: code, step: step, db: context.db)
        guard let organisation else {
            try call.audit("decide", dossierCode: code, allowed: false, detail: "no step \(step)")
            return try HTTPAnswer.error(.notFound, "unknown-step", "Hồ sơ \(code) không có bước \(step).")
        }
        guard let actor = try Self.actingFor(call.officer, at: context.now, db: context.db)[organisation] else {
            try call.audit("decide", dossierCode: code, allowed: false, detail: "step \(step) belongs to \(organisation)")
            return try HTTPAnswer.error(.forbidden, "forbidden", DecisionRefusal.wrongOrganisation(organisation).description)
        }
        do {
            try desk.decide(DossierStepDecidedV1(dossierCode: code, stepNumber: step, decision: input.decision,
                                                 reason: input.reason, decidedBy: actor, decidedAt: context.now,
                                                 content: input.content), cause: nil, context: context)
        } catch let refusal as DecisionRefusal {
            // Refusals are found before anything changes; the audit row records the attempt.
            try call.audit("decide", dossierCode: code, allowed: false, detail: "step \(step): \(refusal.code)")
            return try HTTPAnswer.error(.init(code: refusal.httpStatus), refusal.code, refusal.description)
        }
        try call.audit("decide", dossierCode: code, allowed: true,
                       detail: "step \(step): \(input.decision.rawValue)\(actor.delegationId.map { " (ủy quyền \($0))" } ?? "")")
        return try HTTPAnswer.json(.ok, try store.view(code, links: links, db: context.db))
    }

    // MARK: Delegations (Đ.11)

    struct DelegationRequest: Decodable, Sendable {
        let delegatePersonId: String
        let validFrom: Date?
        let validUntil: Date
        let reason: String?
    }

    struct Delegation: Encodable {
        let id: String
        let organisationCode: String
        let role: String
        let delegatePersonId: String
        let grantedBy: String
        let validFrom: Date
        let validUntil: Date
    }

    func delegate(_ input: DelegationRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let (officer, context) = (call.officer, call.context)
        let from = input.validFrom ?? context.now
        guard RouteDesk.decidingRoles.contains(officer.role), input.validUntil > from else {
            try call.audit("delegate", allowed: false, detail: "to \(input.delegatePersonId)")
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ cán bộ có thẩm quyền mới được ủy quyền, và thời hạn ủy quyền phải hợp lệ.")
        }
        let delegation = Delegation(id: UUID().uuidString.lowercased(), organisationCode: officer.org, role: officer.role,
                                    delegatePersonId: input.delegatePersonId, grantedBy: officer.sub.value,
                                    validFrom: from, validUntil: input.validUntil)
        try context.db.execute("""
            INSERT INTO delegations (id, organisation_code, role, delegate_person_id, granted_by, valid_from, valid_until, reason)
            VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::timestamptz, $8)
            """, [delegation.id, delegation.organisationCode, delegation.role, delegation.delegatePersonId,
                  delegation.grantedBy, delegation.validFrom, delegation.validUntil, input.reason])
        try call.audit("delegate", allowed: true,
                       detail: "\(delegation.role) of \(delegation.organisationCode) to \(delegation.delegatePersonId) until \(Timestamp.format(delegation.validUntil))")
        return try HTTPAnswer.json(.created, delegation)
    }

    // MARK: Temporary transfers

    /// The temporary committee's decision on a member's waiting extension request.
    struct ExtensionDecisionRequest: Decodable, Sendable {
        let decision: ExtensionRequests.Decision
        let reason: String
    }

    /// The waiting requests of the organisations the officer acts for (as temporary committee).
    func extensionRequests(_ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let acting = try Self.actingFor(call.officer, at: context.now, db: context.db)
        try call.audit("read-extension-requests", allowed: true, detail: acting.keys.sorted().joined(separator: ","))
        return try HTTPAnswer.json(.ok, ["requests": try extensionRequests.waiting(for: acting.keys.sorted(), db: context.db)])
    }

    func decideExtension(code: String, _ input: ExtensionDecisionRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let temporary = try context.db.execute(
            "SELECT temporary_organisation_code FROM temporary_transfers WHERE dossier_code = $1", [code])
            .first.map { try $0.string("temporary_organisation_code") }
        let acting = try Self.actingFor(call.officer, at: context.now, db: context.db)
        let actor = temporary.flatMap { acting[$0] }
        try call.audit("decide-extension", dossierCode: code, allowed: actor != nil, detail: input.decision.rawValue)
        guard let actor else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ cấp ủy nơi sinh hoạt tạm thời mới quyết định việc gia hạn.")
        }
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        if input.decision == .refuse && reason.isEmpty {
            return try HTTPAnswer.error(.unprocessableContent, "reason-required", "Từ chối gia hạn phải nêu lý do.")
        }
        switch try extensionRequests.decide(code, input.decision, reason: reason, by: actor, context: context) {
        case let .success(.granted(extended)): return try HTTPAnswer.json(.ok, extended)
        case let .success(.refused(refused)): return try HTTPAnswer.json(.ok, refused)
        case .failure(.noWaitingRequest):
            return try HTTPAnswer.error(.conflict, "no-waiting-extension-request",
                                        "Hồ sơ \(code) không có đề nghị gia hạn nào đang chờ quyết định.")
        case let .failure(.cannotGrant(refusal)):
            return try HTTPAnswer.error(.conflict, refusal.problem.code, refusal.problem.message)
        }
    }

    // MARK: Evaluation figures (Đ.37)

    /// Đ.37: an organisation's figures are for the organisation itself, the organisations above
    /// it (which evaluate it) and auditors.
    func figures(code: String, _ query: FiguresQuery, _ call: OfficerCall) throws -> HTTPAnswer {
        if let problem = query.problem { return try HTTPAnswer.error(.badRequest, problem.code, problem.message) }
        guard try mayOversee(code, call, action: "read-figures") else {
            return try HTTPAnswer.error(.forbidden, "forbidden",
                                        "Chỉ tổ chức \(code), cấp ủy cấp trên của tổ chức này hoặc cán bộ kiểm tra mới xem được số liệu đánh giá.")
        }
        return try query.answer(try EvaluationFigures.of(code, query, desk: desk, db: call.context.db, now: call.context.now),
                                columns: EvaluationFigures.columns)
    }

    /// Whether the officer may oversee `code` — read its figures or its officers' audit trail —
    /// (the organisation, those above it, auditors); the attempt is audited either way as `action`.
    func mayOversee(_ code: String, _ call: OfficerCall, action: String) throws -> Bool {
        let context = call.context
        // The organisation and its known ancestors, from the tree routes are planned on.
        let tree = try desk.tree(for: [code], db: context.db)
        var itselfAndAbove = [code]
        while let parent = tree[itselfAndAbove.last!]?.parentCode, !itselfAndAbove.contains(parent) { itselfAndAbove.append(parent) }
        let acting = try Self.actingFor(call.officer, at: context.now, db: context.db)
        let allowed = call.officer.role == "auditor" || !Set(itselfAndAbove).isDisjoint(with: acting.keys)
        try call.audit(action, allowed: allowed, detail: code)
        return allowed
    }
}
