import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// What routing does for each event of the route lifecycle: deadlines and timers of an assigned
/// step, the decision's record, the history entries and the messages. The route's new state is
/// written by the caller (`RouteStore.save`) once all events are carried out.
extension RouteDesk {
    /// `decision`: the applied decision (with its time and content), for a `.decided` event.
    func carryOut(_ events: [RouteEvent], on route: inout Route, decision: DossierStepDecidedV1? = nil,
                  cause: IncomingMessage?, context: HandlerContext) throws {
        let now = context.now
        for event in events {
            switch event {
            case let .awaitingOrganisation(missing):
                route.record("awaiting-organisation", step: nil, organisation: missing,
                             detail: "Chờ sổ tổ chức đảng có tổ chức \(missing)", at: now)
            case let .sentWithRequest(number):
                route.update(step: number) { step in
                    step.decidedAt = now
                    step.decision = .approve
                    step.onTime = true
                }
                route.record("automatic", step: number, organisation: route.step(number)?.organisationCode,
                             detail: "Đã gửi đề nghị cùng hồ sơ", at: now)
            case let .awaitingDuesStatus(number):
                route.record("awaiting-dues-status", step: number, organisation: route.step(number)?.organisationCode,
                             detail: "Chờ tình trạng đóng đảng phí từ hệ thống thu đảng phí", at: now)
            case let .awaitingPayment(number):
                try requestPayment(number, on: &route, cause: cause, context: context)
            case let .paid(number):
                route.update(step: number) { step in
                    step.decidedAt = now
                    step.decision = .approve
                    step.onTime = true
                }
                route.record("paid", step: number, organisation: route.step(number)?.organisationCode,
                             detail: "Đảng viên đã nộp: \(route.step(number)?.content?["amountVND"] ?? "0") đồng", at: now)
            case let .assigned(number):
                try assign(number, on: &route, cause: cause, context: context)
            case let .decided(number, _):
                guard let decision, let step = route.step(number) else { continue }
                route.update(step: number) { step in
                    step.decidedAt = now
                    step.decision = decision.decision
                    step.reason = decision.reason
                    step.decidedBy = decision.decidedBy
                    step.content = decision.content
                    step.onTime = step.deadline.map { now <= $0 } ?? true
                }
                try Timers.cancel(kinds: [Self.reminderTimer, Self.overdueTimer], key: Self.timerKey(route.code, number), in: context)
                route.record("decided-\(decision.decision.rawValue)", step: number, organisation: step.organisationCode,
                             actor: decision.decidedBy, detail: decision.reason, at: now)
                if route.lifecycle.step(number)?.late == true, let deadline = step.deadline {
                    // Never silently accepted: the letter-issuing committee decides (XL-MUON).
                    route.record("presented-late", step: number, organisation: step.organisationCode,
                                 detail: "Đảng viên xuất trình giấy giới thiệu quá hạn (hạn \(VietnamTime.display(deadline)))", at: now)
                }
                try context.emit(.dossierStepDecided, subject: route.code, data: decision, causedBy: cause)
            case let .returnedForSupplement(number):
                guard let step = route.step(number) else { continue }
                let accepted = try route.accepted.value
                // Validation closes the dossier at this deadline if no supplement came (supplement-expiry).
                let days = catalog.procedure(accepted.procedureCode, version: accepted.procedureVersion, orAt: accepted.officialReceiptAt)?
                    .supplementWaitWorkingDays ?? Self.supplementWorkingDays
                let deadline = try calendar(for: step).adding(workingDays: days, to: now)
                try context.emit(.dossierSupplementRequested, subject: route.code, data: DossierSupplementRequestedV1(
                    dossierCode: route.code, requestingOrganisationCode: step.organisationCode,
                    problems: [Problem(code: "returned-by-organisation", path: "$.data",
                                       message: "\(step.name): \(decision?.reason ?? "")")],
                    deadline: deadline, requestedAt: now, procedureVersion: accepted.procedureVersion,
                    memberId: accepted.submitter.memberId, stepNumber: number), causedBy: cause)
            case .closedOutside, .withdrawn:
                break
            case let .cancelled(number):
                try Timers.cancel(kinds: [Self.reminderTimer, Self.overdueTimer], key: Self.timerKey(route.code, number), in: context)
                route.update(step: number) { _ in }
            case let .skipped(number):
                route.update(step: number) { _ in }
            case let .resumed(number):
                route.record("resumed", step: number, organisation: route.step(number)?.organisationCode,
                             detail: "Hồ sơ đã được bổ sung, tiếp tục xử lý", at: now)
            case .completed:
                try complete(&route, cause: cause, context: context)
            case let .refused(number):
                try finish(&route, decision: .refused, reason: decision?.reason,
                           decidingOrganisation: route.step(number)?.organisationCode ?? "", resultData: nil,
                           cause: cause, context: context)
            }
        }
    }

    /// The working calendar a step's deadlines are counted in: its organisation's own hours.
    func calendar(for step: Route.Step) -> WorkingCalendar {
        calendars.calendar(for: step.organisationCode, officeHours: step.officeHours)
    }

    static func timerKey(_ code: String, _ step: Int) -> String { "\(code)#\(step)" }

    /// The step's deadline in its organisation's working time (or the campaign's day), a reminder
    /// before it, the history entry and `dossier.step-assigned.v1`.
    func assign(_ number: Int, on route: inout Route, cause: IncomingMessage?, context: HandlerContext) throws {
        guard let step = route.step(number) else { return }
        let now = context.now, plan = step.plan
        let calendar = calendar(for: step)
        let deadline: Date
        if let field = plan.campaignDeadlineField, let day = try route.accepted.value.form?[field].flatMap(VietnamTime.startOfDay) {
            deadline = day.addingTimeInterval(86_400)
        } else if plan.workingDays > 0 {
            deadline = try calendar.adding(workingDays: plan.workingDays, to: now)
        } else {
            deadline = try calendar.adding(workingHours: 8, to: now)
        }
        let remindAt = plan.workingDays >= 2 && plan.campaignDeadlineField == nil
            ? try calendar.adding(workingDays: plan.workingDays - 1, to: now)
            : now.addingTimeInterval(deadline.timeIntervalSince(now) * 0.75)
        route.update(step: number) { step in
            step = Route.Step(plan: step.plan, assignedAt: now, deadline: deadline, content: step.content,
                              officeHours: step.officeHours, softwareUser: step.softwareUser)
        }
        route.currentOrganisationCode = plan.organisationCode
        // The overdue timer is armed by the reminder when it fires (StepReminderTimer).
        try Timers.schedule(kind: Self.reminderTimer, key: Self.timerKey(route.code, number), dueAt: remindAt,
                            payload: StepTimerPayload(dossierCode: route.code, stepNumber: number), in: context)
        route.record("assigned", step: number, organisation: plan.organisationCode,
                     detail: "\(plan.name); hạn \(VietnamTime.display(deadline))", at: now)
        let assigned = DossierStepAssignedV1(
            dossierCode: route.code, stepNumber: number, stepCode: plan.code, organisationCode: plan.organisationCode,
            role: plan.role, action: plan.action, deadline: deadline, assignedAt: now)
        try context.emit(.dossierStepAssigned, subject: route.code, data: assigned, causedBy: cause)
        // The organisation's own software hears of its steps only (never the whole event stream).
        if let user = step.softwareUser {
            try context.tellOrganisationSoftware(user, .dossierStepAssigned, subject: route.code, data: assigned, causedBy: cause)
        }
    }

    /// A `pay` step: payment works out the amount (party dues from the member's declaration, or
    /// the procedure's fees) and tells the member how to pay; the route waits for its confirmation.
    func requestPayment(_ number: Int, on route: inout Route, cause: IncomingMessage?, context: HandlerContext) throws {
        guard let step = route.step(number) else { return }
        let accepted = try route.accepted.value
        let version = accepted.procedureVersion ?? 1
        let procedure = catalog.procedure(accepted.procedureCode, version: version, orAt: accepted.officialReceiptAt)
        let dues = procedure?.dues != nil ? DuesDeclaration(form: accepted.form ?? [:]) : nil
        route.record("awaiting-payment", step: number, organisation: step.organisationCode,
                     detail: "Chờ đảng viên nộp \(dues != nil ? "đảng phí" : "lệ phí")", at: context.now)
        try context.emit(.paymentRequested, subject: route.code, data: PaymentRequestedV2(
            paymentId: "\(route.code).\(number)", dossierCode: route.code, memberId: accepted.submitter.memberId,
            collectingOrganisationCode: step.organisationCode, procedureCode: accepted.procedureCode, procedureVersion: version,
            purpose: dues != nil ? .partyDues : .fee, dues: dues,
            feeVND: dues == nil ? (procedure?.fees ?? []).reduce(0) { $0 + $1.amountVND } : nil, requestedAt: context.now),
                         causedBy: cause)
    }

    // MARK: Completion

    /// Every step approved: the result's data from the steps' content, the decision, and what the
    /// procedure does to the member (an official or a temporary transfer).
    func complete(_ route: inout Route, cause: IncomingMessage?, context: HandlerContext) throws {
        let accepted = try route.accepted.value
        guard let procedure = catalog.procedure(accepted.procedureCode, version: accepted.procedureVersion, orAt: accepted.officialReceiptAt),
              let last = route.steps.last else {
            throw PermanentFailure(code: "procedure-not-in-force", reason: "\(route.code): no catalog version to complete the route with")
        }
        let deciding = route.steps.last { $0.plan.role == procedure.decidingOrganisation } ?? last
        var resultData: [String: String] = [:]
        for step in route.steps { for (key, value) in step.content ?? [:] { resultData[key] = value } }
        let ends = try? RouteEnds(form: accepted.form ?? [:], memberOrganisation: accepted.memberOrganisationCode)
        if let destination = ends?.destinationCell { resultData["chiBoNoiDen"] = destination }
        if let member = ends?.memberCell { resultData["chiBoNoiDi"] = member }
        route.accepted = .decoded(accepted)  // finish reads it again
        try finish(&route, decision: .approved, reason: nil, decidingOrganisation: deciding.organisationCode,
                   resultData: resultData, cause: cause, context: context)
        guard let ends, let destination = ends.destinationCell else { return }
        switch accepted.procedureCode {
        case ProcedureCode.officialTransfer:
            try context.emit(.memberTransferred, subject: accepted.submitter.memberId, data: MemberTransferredV1(
                memberId: accepted.submitter.memberId, dossierCode: route.code, kind: .official,
                fromOrganisationCode: ends.memberCell, toOrganisationCode: destination, until: nil,
                transferredAt: context.now), causedBy: cause)
        case ProcedureCode.temporaryTransfer:
            try TemporaryTransfers(desk: self).open(route.code, accepted: accepted, from: ends.memberCell, to: destination,
                                                    procedure: procedure, cause: cause, context: context)
        default:
            break
        }
    }

    func finish(_ route: inout Route, decision: DossierDecidedV1.Decision, reason: String?, decidingOrganisation: String,
                resultData: [String: String]?, cause: IncomingMessage?, context: HandlerContext) throws {
        let accepted = try route.accepted.value
        route.decision = decision
        route.reason = reason
        route.decidedAt = context.now
        route.currentOrganisationCode = decidingOrganisation
        route.record("decided-\(decision.rawValue)", step: nil, organisation: decidingOrganisation, detail: reason, at: context.now)
        try context.emit(.dossierDecided, subject: route.code, data: DossierDecidedV1(
            dossierCode: route.code, procedureCode: accepted.procedureCode, memberId: accepted.submitter.memberId,
            decision: decision, reason: reason, decidingOrganisationCode: decidingOrganisation, decidedAt: context.now,
            resultData: resultData, holderCitizenId: accepted.submitter.citizenId, holderName: accepted.submitter.fullName),
            causedBy: cause)
    }

    /// Đ.11: the delegation under which the dossier was submitted, in the dossier's history.
    func recordDelegation(_ delegation: SubmissionDelegation, in route: inout Route, at now: Date) {
        let until = delegation.validUntil.map { ", đến hết \(VietnamTime.dayString($0))" } ?? ""
        route.record("submitted-by-delegate", step: nil,
                     organisation: delegation.delegateKind == .organisation ? delegation.delegateId : nil,
                     detail: "Nộp theo \(delegation.formLabel): \(delegation.delegateLabel) (\(delegation.delegateId))\(until)", at: now)
    }
}
