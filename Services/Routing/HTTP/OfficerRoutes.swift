import Calendar
import Contracts
import Foundation
import Hummingbird
import Persistence
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
/// - `POST /v1/temporary-transfers/{code}/extension`: `{months, reason}`, by the temporary organisation.
/// - `GET  /v1/organisations/{code}/figures`: on-time, late and pending steps (Đ.37), for the
///   organisation, the organisations above it and auditors.
struct OfficerRoutes: Sendable {
    let desk: RouteDesk
    let tokens: OfficerTokens

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
        router.post("/v1/temporary-transfers/:code/extension") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request, body: ExtensionRequest.self, expected: #"{"months", "reason"}"#) {
                try extend(code: code, $1, $0)
            }
        }
        router.get("/v1/organisations/:code/figures") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request) { try figures(code: code, $0) }
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

    struct InboxEntry: Encodable {
        let dossierCode: String
        let procedureCode: String
        let stepNumber: Int
        let stepCode: String
        let name: String
        let action: String
        let organisationCode: String
        let assignedAt: String
        let deadline: String
        let overdue: Bool
    }

    func inbox(_ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let organisations = try Self.actingFor(call.officer, at: context.now, db: context.db)
        try call.audit("read-inbox", allowed: true, detail: organisations.keys.sorted().joined(separator: ","))
        let entries = try context.db.execute("""
            SELECT s.dossier_code, r.procedure_code, s.step_number, s.step_code, s.name, s.action, s.organisation_code,
                   \(rfc3339SQL("s.assigned_at")) AS assigned_at, \(rfc3339SQL("s.deadline")) AS deadline,
                   s.deadline < $2::timestamptz AS overdue
            FROM route_steps s JOIN routes r USING (dossier_code)
            WHERE s.status = 'assigned' AND r.status = 'in-progress' AND s.organisation_code = ANY($1::text[])
            ORDER BY s.deadline, s.dossier_code LIMIT 500
            """, [PostgresArray(Array(organisations.keys)), context.now]).rows.map { row in
            InboxEntry(dossierCode: try row.string("dossier_code"), procedureCode: try row.string("procedure_code"),
                       stepNumber: try row.int("step_number"), stepCode: try row.string("step_code"),
                       name: try row.string("name"), action: try row.string("action"),
                       organisationCode: try row.string("organisation_code"), assignedAt: try row.string("assigned_at"),
                       deadline: try row.string("deadline"), overdue: try row.bool("overdue"))
        }
        return try HTTPAnswer.json(.ok, entries)
    }

    // MARK: A dossier's route

    struct RouteView: Encodable {
        struct StepView: Encodable {
            let number: Int
            let code: String
            let name: String
            let organisationCode: String
            let action: String
            let status: String
            let assignedAt: String?
            let deadline: String?
            let decidedAt: String?
            let decision: String?
            let reason: String?
            let onTime: Bool?
            let escalatedTo: String?
        }
        struct Event: Encodable {
            let at: String
            let stepNumber: Int?
            let event: String
            let organisationCode: String?
            let actor: Actor?
            let detail: String?
        }
        let dossierCode: String
        let procedureCode: String
        let status: String
        let currentStep: Int?
        let duesStatus: String?
        let steps: [StepView]
        let history: [Event]
        /// What the organisations need to handle the dossier (Đ.22.2: never asked again).
        let dossier: DossierAcceptedV1
    }

    func dossier(code: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let (officer, context) = (call.officer, call.context)
        let reached = Set(try context.db.execute(
            "SELECT organisation_code FROM route_steps WHERE dossier_code = $1 AND status <> 'waiting'", [code])
            .rows.map { try $0.string("organisation_code") })
        let acting = try Self.actingFor(officer, at: context.now, db: context.db)
        let allowed = officer.role == "auditor" || !reached.isDisjoint(with: acting.keys)
        try call.audit("read-dossier", dossierCode: code, allowed: allowed,
                       detail: reached.isEmpty ? "unknown or unrouted dossier" : nil)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Tổ chức của quý vị không tham gia giải quyết hồ sơ \(code).")
        }
        return try HTTPAnswer.json(.ok, try view(code, db: context.db))
    }

    func view(_ code: String, db: PostgresConnection) throws -> RouteView {
        guard let route = try db.execute("""
            SELECT procedure_code, status, current_step, accepted::text AS accepted, dues_paid_up_to,
                   dues_reported_at IS NOT NULL AS reported, member_id
            FROM routes WHERE dossier_code = $1
            """, [code]).first else { throw DecisionRefusal.unknownDossier(code) }
        let steps = try db.execute("""
            SELECT step_number, step_code, name, organisation_code, action, status, \(rfc3339SQL("assigned_at")) AS assigned_at,
                   \(rfc3339SQL("deadline")) AS deadline, \(rfc3339SQL("decided_at")) AS decided_at, decision, reason,
                   on_time, escalated_to
            FROM route_steps WHERE dossier_code = $1 ORDER BY step_number
            """, [code]).rows.map { row in
            RouteView.StepView(number: try row.int("step_number"), code: try row.string("step_code"), name: try row.string("name"),
                               organisationCode: try row.string("organisation_code"), action: try row.string("action"),
                               status: try row.string("status"), assignedAt: try row.optionalString("assigned_at"),
                               deadline: try row.optionalString("deadline"), decidedAt: try row.optionalString("decided_at"),
                               decision: try row.optionalString("decision"), reason: try row.optionalString("reason"),
                               onTime: try row.optionalBool("on_time"),
                               escalatedTo: try row.optionalString("escalated_to"))
        }
        let history = try db.execute("""
            SELECT \(rfc3339SQL("at")) AS at, step_number, event, organisation_code, actor::text AS actor, detail
            FROM route_history WHERE dossier_code = $1 ORDER BY id
            """, [code]).rows.map { row in
            RouteView.Event(at: try row.string("at"), stepNumber: try row.optionalInt("step_number"), event: try row.string("event"),
                            organisationCode: try row.optionalString("organisation_code"),
                            actor: try row.optionalJSON(Actor.self, "actor"),
                            detail: try row.optionalString("detail"))
        }
        let accepted = try route.json(DossierAcceptedV1.self, "accepted")
        let dues = try route.bool("reported")
            ? DuesStatusReportedV1.letterText(paidUpToMonth: try route.optionalString("dues_paid_up_to"))
            : nil
        return RouteView(dossierCode: code, procedureCode: try route.string("procedure_code"), status: try route.string("status"),
                         currentStep: try route.optionalInt("current_step"), duesStatus: dues, steps: steps, history: history,
                         dossier: accepted)
    }

    // MARK: Decisions

    struct DecisionRequest: Decodable, Sendable {
        let decision: DossierStepDecidedV1.Decision
        let reason: String?
        let content: [String: String]?
    }

    func decide(code: String, step: Int, _ input: DecisionRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let organisation = try context.db.execute(
            "SELECT organisation_code FROM route_steps WHERE dossier_code = $1 AND step_number = $2", [code, step])
            .first.map { try $0.string("organisation_code") }
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
        return try HTTPAnswer.json(.ok, try view(code, db: context.db))
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

    struct ExtensionRequest: Decodable, Sendable {
        let months: Int
        let reason: String
    }

    func extend(code: String, _ input: ExtensionRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        let temporary = try context.db.execute(
            "SELECT temporary_organisation_code FROM temporary_transfers WHERE dossier_code = $1", [code])
            .first.map { try $0.string("temporary_organisation_code") }
        let acting = try Self.actingFor(call.officer, at: context.now, db: context.db)
        let allowed = temporary.map { acting[$0] != nil } ?? false
        try call.audit("extend-temporary-transfer", dossierCode: code, allowed: allowed, detail: "\(input.months) months")
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Chỉ cấp ủy nơi sinh hoạt tạm thời mới gia hạn được.")
        }
        switch try TemporaryTransfers(desk: desk).extend(code, months: input.months, reason: input.reason, context: context) {
        case let .success(record): return try HTTPAnswer.json(.ok, record)
        case .failure(.notActive):
            return try HTTPAnswer.error(.conflict, "not-active", "Việc sinh hoạt đảng tạm thời của hồ sơ \(code) đã kết thúc.")
        case let .failure(.beyondAllowedPeriod(max)):
            return try HTTPAnswer.error(.unprocessableContent, "beyond-allowed-period",
                                        "Tổng thời hạn sinh hoạt tạm thời không được quá \(max) tháng.")
        }
    }

    // MARK: Evaluation figures (Đ.37)

    struct Figures: Encodable {
        let organisationCode: String
        let decidedOnTime: Int
        let decidedLate: Int
        let pending: Int
        let pendingOverdue: Int
    }

    /// Đ.37: an organisation's figures are for the organisation itself, the organisations above
    /// it (which evaluate it) and auditors.
    func figures(code: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        // The organisation and its known ancestors, from the tree routes are planned on.
        let tree = try desk.tree(for: [code], db: context.db)
        var itselfAndAbove = [code]
        while let parent = tree[itselfAndAbove.last!]?.parentCode, !itselfAndAbove.contains(parent) { itselfAndAbove.append(parent) }
        let acting = try Self.actingFor(call.officer, at: context.now, db: context.db)
        let allowed = call.officer.role == "auditor" || !Set(itselfAndAbove).isDisjoint(with: acting.keys)
        try call.audit("read-figures", allowed: allowed, detail: code)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden",
                                        "Chỉ tổ chức \(code), cấp ủy cấp trên của tổ chức này hoặc cán bộ kiểm tra mới xem được số liệu đánh giá.")
        }
        let row = try context.db.execute("""
            SELECT count(*) FILTER (WHERE decided_at IS NOT NULL AND on_time) AS on_time,
                   count(*) FILTER (WHERE decided_at IS NOT NULL AND NOT on_time) AS late,
                   count(*) FILTER (WHERE status = 'assigned') AS pending,
                   count(*) FILTER (WHERE status = 'assigned' AND deadline < $2::timestamptz) AS overdue
            FROM route_steps WHERE organisation_code = $1 AND status <> 'automatic'
            """, [code, context.now]).first!
        return try HTTPAnswer.json(.ok, Figures(organisationCode: code, decidedOnTime: try row.int("on_time"),
                                                decidedLate: try row.int("late"), pending: try row.int("pending"),
                                                pendingOverdue: try row.int("overdue")))
    }
}
