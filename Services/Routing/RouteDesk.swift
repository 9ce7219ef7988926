import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// Routing's dossier file (liên thông, Đ.22): starts a route from the plan and the organisation
/// tree, assigns each step with its working-time deadline and timers, applies decisions, and
/// completes the dossier. Every change happens in the caller's transaction with the route row
/// locked, so two replicas never skip or double a step.
struct RouteDesk: Sendable {
    let catalog: ProcedureCatalog
    let calendars: OfficeCalendars

    static let reminderTimer = "step-reminder"
    static let overdueTimer = "step-overdue"
    static let temporaryEndingTimer = "temporary-ending"
    static let temporaryCloseTimer = "temporary-close"
    /// Roles whose holders decide their organisation's steps (cán bộ được phân công).
    static let decidingRoles: Set<String> = ["officer"]
    /// Working days the submitter has to supplement a dossier an organisation returned.
    static let supplementWorkingDays = 5

    // MARK: Organisation tree

    /// The organisations of `codes`, their ancestors and their provinces' organisation boards.
    func tree(for codes: [String], db: PostgresConnection) throws -> OrganisationTree {
        let rows = try db.execute("""
            WITH RECURSIVE chain AS (
                SELECT code, parent_code, record FROM organisations WHERE code = ANY($1::text[])
                UNION
                SELECT o.code, o.parent_code, o.record FROM organisations o JOIN chain c ON o.code = c.parent_code)
            SELECT record::text AS record FROM chain
            UNION
            SELECT b.record::text FROM organisations b
            WHERE b.code IN (SELECT c.record->>'boardCode' FROM chain c WHERE c.record ? 'boardCode')
            """, [PostgresArray(Array(Set(codes)))]).rows
        return OrganisationTree(try rows.map { try $0.json(OrganisationRecord.self, "record") })
    }

    // MARK: Starting a route

    /// Plans and starts the route of an accepted dossier; a plan that needs an organisation the
    /// replica does not know yet waits for it (`awaiting-organisations`). `knownTree`: the
    /// organisations already read for a whole batch of dossiers (read here when nil).
    func start(_ accepted: DossierAcceptedV1, knownTree: OrganisationTree? = nil, cause: IncomingMessage?,
               context: HandlerContext) throws {
        let code = accepted.dossierCode
        guard let procedure = catalog.procedure(accepted.procedureCode, at: accepted.officialReceiptAt) else {
            throw PermanentFailure(code: "procedure-not-in-force", reason: "\(accepted.procedureCode) has no version in force at the receipt time")
        }
        let ends: RouteEnds
        do {
            ends = try RouteEnds(form: accepted.form ?? [:], memberOrganisation: accepted.memberOrganisationCode)
        } catch {
            throw PermanentFailure(code: "unroutable", reason: "\(code): \(error)")
        }
        let steps: [PlannedStep]
        do {
            steps = try RoutePlanner.plan(procedure.steps, ends: ends, tree: try knownTree ?? tree(for: ends.codes, db: context.db))
        } catch RoutePlanError.unknownOrganisation(let missing) {
            try context.db.execute("""
                UPDATE routes SET status = 'awaiting-organisations', waiting_for = $2, updated_at = $3::timestamptz
                WHERE dossier_code = $1
                """, [code, missing, context.now])
            try history(code, step: nil, event: "awaiting-organisation", organisation: missing, actor: nil,
                        detail: "Chờ sổ tổ chức đảng có tổ chức \(missing)", context: context)
            return
        } catch {
            throw PermanentFailure(code: "unroutable", reason: "\(code): \(error)")
        }
        guard !steps.isEmpty else { throw PermanentFailure(code: "empty-route", reason: "\(code): the plan has no step for this dossier") }
        try context.db.execute("""
            INSERT INTO route_steps (dossier_code, step_number, step_code, name, organisation_code, role, action,
                                     working_days, needs_dues_status, campaign_deadline_field)
            SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[],
                                     $9::bool[], $10::text[])
            """, [code, PostgresArray(steps.map(\.number)), PostgresArray(steps.map(\.code)), PostgresArray(steps.map(\.name)),
                  PostgresArray(steps.map(\.organisationCode)), PostgresArray(steps.map(\.role)),
                  PostgresArray(steps.map(\.action)), PostgresArray(steps.map(\.workingDays)),
                  PostgresArray(steps.map(\.needsDuesStatus)), PostgresArray(steps.map(\.campaignDeadlineField))])
        try context.db.execute("""
            UPDATE routes SET status = 'in-progress', waiting_for = NULL, procedure_version = $2, updated_at = $3::timestamptz
            WHERE dossier_code = $1
            """, [code, procedure.version, context.now])
        if steps.contains(where: \.needsDuesStatus) {
            try context.emit(.duesStatusRequested, subject: code, data: DuesStatusRequestedV1(
                dossierCode: code, memberId: accepted.submitter.memberId, requestedAt: context.now), causedBy: cause)
        }
        try advance(try route(code, db: context.db), after: 0, cause: cause, context: context)
    }

    // MARK: Assigning steps

    /// Completes automatic steps after `number` and assigns the next one, or completes the route.
    func advance(_ route: Route, after number: Int, cause: IncomingMessage?, context: HandlerContext) throws {
        for step in route.steps where step.number > number {
            if step.action == "request" {
                try context.db.execute("""
                    UPDATE route_steps SET status = 'automatic', decided_at = $3::timestamptz, decision = 'approve', on_time = true
                    WHERE dossier_code = $1 AND step_number = $2
                    """, [route.code, step.number, context.now])
                try history(route.code, step: step.number, event: "automatic", organisation: step.organisationCode, actor: nil,
                            detail: "Đã gửi đề nghị cùng hồ sơ", context: context)
                continue
            }
            if step.needsDuesStatus && !route.duesReported {
                // The letter records payment's dues status: the step is assigned when it arrives
                // (DuesStatusReportedHandler), so no organisation is asked to act before it can.
                try context.db.execute("""
                    UPDATE routes SET status = 'awaiting-dues-status', current_step = $2, updated_at = $3::timestamptz
                    WHERE dossier_code = $1
                    """, [route.code, step.number, context.now])
                try history(route.code, step: step.number, event: "awaiting-dues-status", organisation: step.organisationCode,
                            actor: nil, detail: "Chờ tình trạng đóng đảng phí từ hệ thống thu đảng phí", context: context)
                return
            }
            try assign(step, of: route, cause: cause, context: context)
            return
        }
        try complete(route, cause: cause, context: context)
    }

    /// Payment's dues status arrived: a route held for it gets its letter step assigned now.
    func duesStatusReported(_ report: DuesStatusReportedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        let updated = try context.db.execute("""
            UPDATE routes SET dues_paid_up_to = $2, dues_reported_at = $3::timestamptz WHERE dossier_code = $1
            RETURNING status, current_step
            """, [report.dossierCode, report.paidUpToMonth, report.reportedAt])
        guard let row = updated.first, try row.string("status") == "awaiting-dues-status",
              let number = try row.optionalInt("current_step") else { return }
        let route = try route(report.dossierCode, db: context.db)
        guard let step = route.step(number) else { return }
        try assign(step, of: route, cause: cause, context: context)
    }

    func assign(_ step: Step, of route: Route, cause: IncomingMessage?, context: HandlerContext) throws {
        let calendar = calendar(for: step)
        let deadline: Date
        if let field = step.campaignDeadlineField, let day = try route.form[field].flatMap(VietnamTime.startOfDay) {
            deadline = day.addingTimeInterval(86_400)
        } else if step.workingDays > 0 {
            deadline = try calendar.adding(workingDays: step.workingDays, to: context.now)
        } else {
            deadline = try calendar.adding(workingHours: 8, to: context.now)
        }
        let remindAt = step.workingDays >= 2 && step.campaignDeadlineField == nil
            ? try calendar.adding(workingDays: step.workingDays - 1, to: context.now)
            : context.now.addingTimeInterval(deadline.timeIntervalSince(context.now) * 0.75)
        try context.db.execute("""
            UPDATE route_steps SET status = 'assigned', assigned_at = $3::timestamptz, deadline = $4::timestamptz,
                decided_at = NULL, decision = NULL, reason = NULL, decided_by = NULL, on_time = NULL,
                reminded_at = NULL, escalated_at = NULL, escalated_to = NULL
            WHERE dossier_code = $1 AND step_number = $2
            """, [route.code, step.number, context.now, deadline])
        try context.db.execute("""
            UPDATE routes SET status = 'in-progress', current_step = $2, current_organisation_code = $3, updated_at = $4::timestamptz
            WHERE dossier_code = $1
            """, [route.code, step.number, step.organisationCode, context.now])
        let key = Self.timerKey(route.code, step.number)
        let payload = StepTimerPayload(dossierCode: route.code, stepNumber: step.number)
        try Timers.schedule([(Self.reminderTimer, remindAt), (Self.overdueTimer, deadline)], key: key, payload: payload, in: context)
        try history(route.code, step: step.number, event: "assigned", organisation: step.organisationCode, actor: nil,
                    detail: "\(step.name); hạn \(VietnamTime.display(deadline))", context: context)
        let assigned = DossierStepAssignedV1(
            dossierCode: route.code, stepNumber: step.number, stepCode: step.code, organisationCode: step.organisationCode,
            role: step.role, action: step.action, deadline: deadline, assignedAt: context.now)
        try context.emit(.dossierStepAssigned, subject: route.code, data: assigned, causedBy: cause)
        // The organisation's own software hears of its steps only (never the whole event stream).
        if let user = step.softwareUser {
            try context.tellOrganisationSoftware(user, .dossierStepAssigned, subject: route.code, data: assigned, causedBy: cause)
        }
    }

    static func timerKey(_ code: String, _ step: Int) -> String { "\(code)#\(step)" }

    // MARK: Decisions

    /// Applies an organisation's decision on the current step. `actor` has already been
    /// authorised for the step's organisation by the caller (officer token, delegation, or the
    /// organisation's software user).
    func decide(_ decision: DossierStepDecidedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        let route = try route(decision.dossierCode, db: context.db)
        guard route.status == "in-progress", let current = route.currentStep, current == decision.stepNumber,
              let step = route.step(current), step.status == "assigned" else {
            throw DecisionRefusal.stepNotCurrent(decision.dossierCode, decision.stepNumber)
        }
        guard step.organisationCode == decision.decidedBy.organisationCode else {
            throw DecisionRefusal.wrongOrganisation(step.organisationCode)
        }
        if decision.decision != .approve && decision.decision != .forward,
           (decision.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw DecisionRefusal.reasonRequired
        }
        var content = decision.content ?? [:]
        if step.needsDuesStatus && (decision.decision == .approve || decision.decision == .forward) {
            // The letter records the dues status from payment; it cannot be issued before payment answers.
            guard route.duesReported else { throw DecisionRefusal.duesStatusPending }
            content["duesStatus"] = DuesStatusReportedV1.letterText(paidUpToMonth: route.duesPaidUpTo)
        }
        let onTime = step.deadline.map { context.now <= $0 } ?? true
        let status = switch decision.decision {
        case .approve, .forward: "approved"
        case .returnForSupplement: "returned"
        case .refuse: "refused"
        }
        try context.db.execute("""
            UPDATE route_steps SET status = $3, decided_at = $4::timestamptz, decision = $5, reason = $6,
                decided_by = $7::jsonb, content = $8::jsonb, on_time = $9
            WHERE dossier_code = $1 AND step_number = $2
            """, [route.code, step.number, status, context.now, decision.decision.rawValue, decision.reason,
                  try JSONText(decision.decidedBy),
                  content.isEmpty ? nil : try JSONText(content).text, onTime])
        let key = Self.timerKey(route.code, step.number)
        try Timers.cancel(kinds: [Self.reminderTimer, Self.overdueTimer], key: key, in: context)
        try history(route.code, step: step.number, event: "decided-\(decision.decision.rawValue)", organisation: step.organisationCode,
                    actor: decision.decidedBy, detail: decision.reason, context: context)
        var applied = decision
        applied.decidedAt = context.now
        applied.content = content.isEmpty ? nil : content
        try context.emit(.dossierStepDecided, subject: route.code, data: applied, causedBy: cause)

        switch decision.decision {
        case .approve, .forward:
            try advance(route.deciding(step.number, status: status, content: content.isEmpty ? nil : content),
                        after: step.number, cause: cause, context: context)
        case .returnForSupplement:
            try context.db.execute("UPDATE routes SET status = 'returned', updated_at = $2::timestamptz WHERE dossier_code = $1",
                                   [route.code, context.now])
            let deadline = try calendar(for: step).adding(workingDays: Self.supplementWorkingDays, to: context.now)
            let accepted = try route.accepted
            try context.emit(.dossierSupplementRequested, subject: route.code, data: DossierSupplementRequestedV1(
                dossierCode: route.code, requestingOrganisationCode: step.organisationCode,
                problems: [Problem(code: "returned-by-organisation", path: "$.data",
                                   message: "\(step.name): \(decision.reason ?? "")")],
                deadline: deadline, requestedAt: context.now, procedureVersion: accepted.procedureVersion,
                memberId: accepted.submitter.memberId, stepNumber: step.number), causedBy: cause)
        case .refuse:
            try finish(route, accepted: try route.accepted, decision: .refused, reason: decision.reason, decidingOrganisation: step.organisationCode,
                       resultData: nil, cause: cause, context: context)
        }
    }

    /// An amended dossier accepted again resumes at the step that returned it.
    func resume(_ accepted: DossierAcceptedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        let route = try route(accepted.dossierCode, db: context.db)
        guard route.status == "returned", let current = route.currentStep, let step = route.step(current) else { return }
        try context.db.execute("UPDATE routes SET accepted = $2::jsonb WHERE dossier_code = $1",
                               [route.code, try JSONText(accepted)])
        try history(route.code, step: current, event: "resumed", organisation: step.organisationCode, actor: nil,
                    detail: "Hồ sơ đã được bổ sung, tiếp tục xử lý", context: context)
        try assign(step, of: try self.route(route.code, db: context.db), cause: cause, context: context)
    }

    // MARK: Completion

    func complete(_ route: Route, cause: IncomingMessage?, context: HandlerContext) throws {
        let accepted = try route.accepted
        guard let procedure = catalog.procedure(accepted.procedureCode, at: accepted.officialReceiptAt),
              let last = route.steps.last else { return }
        let deciding = route.steps.last { $0.role == procedure.decidingOrganisation } ?? last
        var resultData: [String: String] = [:]
        for step in route.steps { for (key, value) in step.content ?? [:] { resultData[key] = value } }
        let ends = try? RouteEnds(form: accepted.form ?? [:], memberOrganisation: accepted.memberOrganisationCode)
        if let destination = ends?.destinationCell { resultData["chiBoNoiDen"] = destination }
        if let member = ends?.memberCell { resultData["chiBoNoiDi"] = member }
        try finish(route, accepted: accepted, decision: .approved, reason: nil, decidingOrganisation: deciding.organisationCode,
                   resultData: resultData, cause: cause, context: context)
        guard let ends, let destination = ends.destinationCell else { return }
        switch accepted.procedureCode {
        case ProcedureCode.officialTransfer:
            try context.emit(.memberTransferred, subject: accepted.submitter.memberId, data: MemberTransferredV1(
                memberId: accepted.submitter.memberId, dossierCode: route.code, kind: .official,
                fromOrganisationCode: ends.memberCell, toOrganisationCode: destination, until: nil,
                transferredAt: context.now), causedBy: cause)
        case ProcedureCode.temporaryTransfer:
            try TemporaryTransfers(desk: self).open(route, accepted: accepted, from: ends.memberCell, to: destination, procedure: procedure,
                                                    cause: cause, context: context)
        default:
            break
        }
    }

    func finish(_ route: Route, accepted: DossierAcceptedV1, decision: DossierDecidedV1.Decision, reason: String?, decidingOrganisation: String,
                resultData: [String: String]?, cause: IncomingMessage?, context: HandlerContext) throws {
        try context.db.execute("""
            UPDATE routes SET status = 'decided', decision = $2, reason = $3, decided_at = $4::timestamptz,
                current_organisation_code = $5, updated_at = $4::timestamptz
            WHERE dossier_code = $1
            """, [route.code, decision.rawValue, reason, context.now, decidingOrganisation])
        try history(route.code, step: nil, event: "decided-\(decision.rawValue)", organisation: decidingOrganisation, actor: nil,
                    detail: reason, context: context)
        try context.emit(.dossierDecided, subject: route.code, data: DossierDecidedV1(
            dossierCode: route.code, procedureCode: accepted.procedureCode, memberId: accepted.submitter.memberId,
            decision: decision, reason: reason, decidingOrganisationCode: decidingOrganisation, decidedAt: context.now,
            resultData: resultData), causedBy: cause)
    }

    // MARK: History

    /// The route's own history: every assignment, decision (with the actor and any delegation) and wait.
    /// Đ.11: the delegation under which the dossier was submitted, in the dossier's history.
    func recordDelegation(_ delegation: SubmissionDelegation, of code: String, context: HandlerContext) throws {
        let until = delegation.validUntil.map { ", đến hết \(VietnamTime.dayString($0))" } ?? ""
        try history(code, step: nil, event: "submitted-by-delegate",
                    organisation: delegation.delegateKind == .organisation ? delegation.delegateId : nil, actor: nil,
                    detail: "Nộp theo \(delegation.formLabel): \(delegation.delegateLabel) (\(delegation.delegateId))\(until)",
                    context: context)
    }

    func history(_ code: String, step: Int?, event: String, organisation: String?, actor: Actor?, detail: String?,
                 context: HandlerContext) throws {
        try context.db.execute("""
            INSERT INTO route_history (dossier_code, at, step_number, event, organisation_code, actor, detail)
            VALUES ($1, $2::timestamptz, $3, $4, $5, $6::jsonb, $7)
            """, [code, context.now, step, event, organisation,
                  try actor.map { try JSONText($0) }, detail])
    }
}

struct StepTimerPayload: Codable, Sendable {
    let dossierCode: String
    let stepNumber: Int
}

/// Why a decision cannot apply; the HTTP edge answers with `status`, the AMQP path dead-letters
/// with `code`.
enum DecisionRefusal: Error, CustomStringConvertible {
    case unknownDossier(String)
    case stepNotCurrent(String, Int)
    case wrongOrganisation(String)
    case reasonRequired
    case duesStatusPending

    var code: String {
        switch self {
        case .unknownDossier: "unknown-dossier"
        case .stepNotCurrent: "step-not-current"
        case .wrongOrganisation: "wrong-organisation"
        case .reasonRequired: "reason-required"
        case .duesStatusPending: "dues-status-pending"
        }
    }

    var httpStatus: Int {
        switch self {
        case .unknownDossier: 404
        case .stepNotCurrent, .duesStatusPending: 409
        case .wrongOrganisation: 403
        case .reasonRequired: 422
        }
    }

    /// Vietnamese, for the officer.
    var description: String {
        switch self {
        case let .unknownDossier(code): "Không tìm thấy hồ sơ \(code) trong luồng liên thông."
        case let .stepNotCurrent(code, step): "Bước \(step) của hồ sơ \(code) không phải bước đang chờ xử lý (đã được quyết định hoặc chưa đến lượt)."
        case let .wrongOrganisation(organisation): "Bước này do tổ chức \(organisation) xử lý; quý vị không có quyền quyết định."
        case .reasonRequired: "Trả lại hoặc từ chối phải nêu rõ lý do."
        case .duesStatusPending: "Chưa nhận được tình trạng đóng đảng phí từ hệ thống thu đảng phí; chưa thể cấp giấy giới thiệu."
        }
    }
}
