import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// Routing's dossier file (liên thông, Đ.22): starts a route from the plan and the organisation
/// tree, assigns each step with its working-time deadline and timers, applies decisions, and
/// completes the dossier. What happens is decided by `RouteLifecycle` (pure), carried out in
/// `RouteDesk+Events.swift` and stored by `RouteStore`, all in the caller's transaction with the
/// route row locked, so two replicas never skip or double a step.
struct RouteDesk: Sendable {
    let catalog: ProcedureCatalog
    let calendars: OfficeCalendars
    let store: RouteStore

    static let reminderTimer = "step-reminder"
    static let overdueTimer = "step-overdue"
    static let temporaryEndingTimer = "temporary-ending"
    static let temporaryCloseTimer = "temporary-close"
    /// Form fields the introduction letter (giấy giới thiệu) carries: party card number, record
    /// number (số lý lịch) and register number (số đăng ký).
    static let letterFields = ["soTheDangVien", "soLyLich", "soDangKy"]
    /// Roles whose holders decide their organisation's steps (cán bộ được phân công).
    static let decidingRoles: Set<String> = ["officer"]
    /// Working days the submitter has to supplement a dossier an organisation returned, when the
    /// catalog does not say (`supplementWaitWorkingDays`).
    static let supplementWorkingDays = 30

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

    /// The whole dossier's processing deadline, as intake counts it: the procedure's time limit
    /// from the official receipt in the receiving organisation's working days (nil for a procedure
    /// not in the catalog: the route fails on its own when it starts).
    func processingDeadline(of accepted: DossierAcceptedV1, tree: OrganisationTree?) -> Date? {
        guard let procedure = catalog.procedure(accepted.procedureCode, version: accepted.procedureVersion, orAt: accepted.officialReceiptAt)
        else { return nil }
        let calendar = calendars.calendar(for: accepted.receivingOrganisationCode,
                                          officeHours: tree?[accepted.receivingOrganisationCode]?.officeHours)
        return try? procedure.deadline(officialReceiptAt: accepted.officialReceiptAt, form: accepted.form ?? [:], calendar: calendar)
    }

    // MARK: Starting a route

    /// Plans and starts the route of an accepted dossier; a plan that needs an organisation the
    /// replica does not know yet waits for it (`awaiting-organisations`). `knownTree`: the
    /// organisations already read for a whole batch of dossiers (read here when nil).
    func start(_ accepted: DossierAcceptedV1, knownTree: OrganisationTree? = nil, delegation: SubmissionDelegation? = nil,
               cause: IncomingMessage?, context: HandlerContext, registryLocked: Bool = false) throws {
        let code = accepted.dossierCode
        var route = Route.unplanned(accepted)
        if let delegation { recordDelegation(delegation, in: &route, at: context.now) }
        // The version validation judged the dossier by (the one in force when it was submitted).
        guard let procedure = catalog.procedure(accepted.procedureCode, version: accepted.procedureVersion, orAt: accepted.officialReceiptAt) else {
            throw PermanentFailure(code: "procedure-not-in-force", reason: "\(accepted.procedureCode) has no version \(accepted.procedureVersion.map(String.init) ?? "in force")")
        }
        let ends: RouteEnds
        do {
            ends = try RouteEnds(form: accepted.form ?? [:], memberOrganisation: accepted.memberOrganisationCode)
        } catch {
            throw PermanentFailure(code: "unroutable", reason: "\(code): \(error)")
        }
        let tree = try knownTree ?? self.tree(for: ends.codes, db: context.db)
        let steps: [PlannedStep]
        do {
            steps = try RoutePlanner.plan(procedure.steps, ends: ends, tree: tree,
                                          presentationWorkingDays: procedure.presentWithinWorkingDaysOfIntroduction)
        } catch RoutePlanError.unknownOrganisation(let missing) {
            // The registry's consumer may be adding these organisations right now, in a transaction
            // this one cannot see, and look for waiting routes before this one commits: both would
            // miss the other and the route would wait for ever (found by tthc-admin reconcile).
            // Under the registry lock, either it has committed (read the tree again) or it will
            // find this route waiting.
            if !registryLocked {
                try Self.lockRegistry(context.db)
                return try start(accepted, delegation: delegation, cause: cause, context: context, registryLocked: true)
            }
            route.waitingFor = missing
            try carryOut(route.lifecycle.awaitOrganisation(missing), on: &route, cause: cause, context: context)
            return try store.save(route, db: context.db, at: context.now)
        } catch {
            throw PermanentFailure(code: "unroutable", reason: "\(code): \(error)")
        }
        guard !steps.isEmpty else { throw PermanentFailure(code: "empty-route", reason: "\(code): the plan has no step for this dossier") }
        route.procedureVersion = procedure.version
        route.steps = steps.map {
            Route.Step(plan: $0, officeHours: tree[$0.organisationCode]?.officeHours, softwareUser: tree[$0.organisationCode]?.softwareUser)
        }
        if steps.contains(where: \.needsDuesStatus) {
            try context.emit(.duesStatusRequested, subject: code, data: DuesStatusRequestedV1(
                dossierCode: code, memberId: accepted.submitter.memberId, requestedAt: context.now), causedBy: cause)
        }
        try carryOut(route.lifecycle.start(steps), on: &route, cause: cause, context: context)
        try store.save(route, db: context.db, at: context.now)
    }

    /// Serialises the registry's replica updates with routes deciding to wait for an organisation
    /// (a transaction-scoped advisory lock; both sides are rare).
    static func lockRegistry(_ db: PostgresConnection) throws {
        try db.execute("SELECT pg_advisory_xact_lock(hashtext('routing.organisations-registry'))")
    }

    /// Payment's dues status arrived: a route held for it gets its letter step assigned now.
    func duesStatusReported(_ report: DuesStatusReportedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        guard var route = try store.locked(report.dossierCode, db: context.db) else { return }
        route.duesPaidUpTo = report.paidUpToMonth
        route.duesReportedAt = report.reportedAt
        try carryOut(route.lifecycle.duesStatusReported(), on: &route, cause: cause, context: context)
        try store.save(route, db: context.db, at: context.now)
    }

    /// `payment.completed.v1`: the member paid; the `pay` step is done with what was paid (the
    /// receipt's content) and the route goes on.
    func paymentCompleted(_ paid: PaymentCompletedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        guard let code = paid.dossierCode, var route = try store.locked(code, db: context.db),
              // The payment of the step waiting for it (`<dossier code>.<step>`), not of another.
              let step = route.lifecycle.currentStep, paid.paymentId == "\(code).\(step)" else { return }
        let events = route.lifecycle.paymentCompleted()
        if case let .paid(number)? = events.first {
            var content = ["paymentId": paid.paymentId, "amountVND": String(paid.amountVND), "provider": paid.provider,
                           "providerReference": paid.providerReference, "paidAt": WireJSON.formatTimestamp(paid.paidAt)]
            content["channel"] = paid.channel?.rawValue
            content["months"] = paid.months?.map { "\($0.month):\($0.amountDueVND)" }.joined(separator: ",")
            content["creditAppliedVND"] = paid.creditAppliedVND.map(String.init)
            route.update(step: number) { $0.content = content }
        }
        try carryOut(events, on: &route, cause: cause, context: context)
        try store.save(route, db: context.db, at: context.now)
    }

    // MARK: Decisions

    /// Applies an organisation's decision on the current step. `actor` has already been
    /// authorised for the step's organisation by the caller (officer token, delegation, or the
    /// organisation's software user). Refused (`DecisionRefusal`) before anything changes.
    func decide(_ decision: DossierStepDecidedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        guard var route = try store.locked(decision.dossierCode, db: context.db) else {
            throw DecisionRefusal.unknownDossier(decision.dossierCode)
        }
        let pastDeadline = route.step(decision.stepNumber)?.deadline.map { context.now > $0 } ?? false
        let events = try route.lifecycle.decide(step: decision.stepNumber, decision.decision,
                                                by: decision.decidedBy.organisationCode, reason: decision.reason,
                                                pastDeadline: pastDeadline)
        var content = decision.content ?? [:]
        if let step = route.step(decision.stepNumber), step.plan.needsDuesStatus,
           decision.decision == .approve || decision.decision == .forward {
            content["duesStatus"] = DuesStatusReportedV1.letterText(paidUpToMonth: route.duesPaidUpTo)
            // The letter records the member's party card, record and register numbers (from the
            // accepted form, which validation filled from the member registry).
            let form = try route.accepted.value.form ?? [:]
            for field in Self.letterFields { content[field] = content[field] ?? form[field] }
        }
        var applied = decision
        applied.decidedAt = context.now
        applied.content = content.isEmpty ? nil : content
        try carryOut(events, on: &route, decision: applied, cause: cause, context: context)
        try store.save(route, db: context.db, at: context.now)
    }

    /// Validation closed a dossier this route holds (the supplement an organisation asked for never
    /// came): the route is over, with validation's reason; validation has told the member.
    func close(_ code: String, reason: String, cause: IncomingMessage?, context: HandlerContext) throws {
        try store.lockDossiers([code], db: context.db)
        // A withdrawal remembered for the returned route is overtaken by the close.
        _ = try store.takeWithdrawalsRequested(for: [code], db: context.db)
        guard var route = try store.locked(code, db: context.db) else { return }
        let events = route.lifecycle.closeOutside()
        guard !events.isEmpty else { return }
        // The returned step's timers were cancelled when it was decided.
        try endOutside(&route, events, history: "closed", decision: .refused, reason: reason, cause: cause, context: context)
        try store.save(route, db: context.db, at: context.now)
    }

    /// The submitter withdraws the dossier (`dossier.withdrawal-requested.v1`). A route not yet over
    /// ends, its step's timers cancelled, and `dossier.withdrawn.v1` is announced. The request is
    /// remembered instead for a dossier routing does not hold yet (its route starts withdrawn,
    /// `start`) and for a returned route: validation holds that dossier until its supplement, and
    /// is the one to close it (withdrawn, or refused when the supplement never came), so that only
    /// one of them is ever announced (`withdrawnByValidation`); if the amendment was accepted first,
    /// the route takes the request when it resumes (`resume`).
    func withdraw(_ request: DossierWithdrawalRequestedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        try store.lockDossiers([request.dossierCode], db: context.db)
        guard var route = try store.locked(request.dossierCode, db: context.db), route.lifecycle.status != .returned else {
            try context.db.execute("""
                INSERT INTO withdrawal_requests (dossier_code, reason, requested_at) VALUES ($1, $2, $3::timestamptz)
                ON CONFLICT (dossier_code) DO NOTHING
                """, [request.dossierCode, request.reason, request.requestedAt])
            return
        }
        try withdraw(&route, reason: request.reason, cause: cause, context: context)
    }

    /// Validation announced the withdrawal of a dossier it held (`dossier.withdrawn.v1`): a returned
    /// route ends with it, silently; the remembered request is spent. Routing's own announcements
    /// come back here too and change nothing.
    func withdrawnByValidation(_ withdrawn: DossierWithdrawnV1, cause: IncomingMessage?, context: HandlerContext) throws {
        try store.lockDossiers([withdrawn.dossierCode], db: context.db)
        _ = try store.takeWithdrawalsRequested(for: [withdrawn.dossierCode], db: context.db)
        guard var route = try store.locked(withdrawn.dossierCode, db: context.db), route.lifecycle.status == .returned else { return }
        try withdraw(&route, reason: withdrawn.reason ?? "", announce: false, cause: cause, context: context)
    }

    func withdraw(_ route: inout Route, reason: String, announce: Bool = true, cause: IncomingMessage?,
                  context: HandlerContext) throws {
        let events = route.lifecycle.withdraw()
        guard !events.isEmpty else { return }
        try endOutside(&route, events, history: "withdrawn", decision: nil, reason: reason, cause: cause, context: context)
        if announce {
            try context.emit(.dossierWithdrawn, subject: route.code, data: DossierWithdrawnV1(
                dossierCode: route.code, memberId: try route.accepted.value.submitter.memberId, reason: reason,
                withdrawnAt: context.now), causedBy: cause)
        }
        try store.save(route, db: context.db, at: context.now)
    }

    /// Ends a route outside any step's decision (validation closed its dossier, or the submitter
    /// withdrew it): the lifecycle's events carried out, the reason and the time recorded.
    private func endOutside(_ route: inout Route, _ events: [RouteEvent], history event: String,
                            decision: DossierDecidedV1.Decision?, reason: String, cause: IncomingMessage?,
                            context: HandlerContext) throws {
        try carryOut(events, on: &route, cause: cause, context: context)
        route.decision = decision
        route.reason = reason
        route.decidedAt = context.now
        route.record(event, step: nil, organisation: nil, detail: reason, at: context.now)
    }

    /// An amended dossier accepted again resumes at the step that returned it; any other repeat changes nothing.
    func resume(_ accepted: DossierAcceptedV1, cause: IncomingMessage?, context: HandlerContext) throws {
        guard var route = try store.locked(accepted.dossierCode, db: context.db) else { return }
        // The submitter withdrew while the amendment was on its way: the route ends instead.
        if route.lifecycle.status == .returned,
           let reason = try store.takeWithdrawalsRequested(for: [accepted.dossierCode], db: context.db)[accepted.dossierCode] {
            try withdraw(&route, reason: reason, cause: cause, context: context)
            return
        }
        let events = route.lifecycle.resume()
        guard !events.isEmpty else { return }
        route.accepted = .decoded(accepted)
        route.acceptedReplaced = true
        try carryOut(events, on: &route, cause: cause, context: context)
        try store.save(route, db: context.db, at: context.now)
    }
}

struct StepTimerPayload: Codable, Sendable {
    let dossierCode: String
    let stepNumber: Int
}
