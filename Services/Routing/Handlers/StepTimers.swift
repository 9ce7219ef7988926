import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// Before a step's deadline: `dossier.step-reminder.v1` to its organisation, and the deadline's
/// own timer armed now. A step holds one pending timer at a time: most steps are decided before
/// their reminder, and cancelling one row instead of two halves the timer writes per step.
struct StepReminderTimer: TimerHandler {
    let keyNamesDossier = true
    let store: RouteStore
    var kind: String { RouteDesk.reminderTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(StepTimerPayload.self)
        guard let step = try store.markReminded(payload.dossierCode, step: payload.stepNumber, at: context.now, db: context.db)
        else { return }
        try context.emit(.dossierStepReminder, subject: payload.dossierCode, data: DossierStepReminderV1(
            dossierCode: payload.dossierCode, stepNumber: payload.stepNumber, stepCode: step.stepCode,
            organisationCode: step.organisation, deadline: step.deadline ?? timer.dueAt, remindedAt: context.now))
        if let deadline = step.deadline {
            try Timers.schedule(kind: RouteDesk.overdueTimer, key: timer.key, dueAt: deadline, payload: payload, in: context)
        }
    }
}

/// At a step's deadline, still undecided: escalated to the superior organisation with
/// `dossier.step-overdue.v1` (not the member's presentation of a letter: only recorded); the step
/// is counted late when decided.
struct StepOverdueTimer: TimerHandler {
    let keyNamesDossier = true
    let store: RouteStore
    var kind: String { RouteDesk.overdueTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(StepTimerPayload.self)
        guard let step = try store.markEscalated(payload.dossierCode, step: payload.stepNumber, at: context.now, db: context.db)
        else { return }
        try store.append([Route.HistoryEntry(at: context.now, stepNumber: payload.stepNumber, event: "overdue",
                                             organisationCode: step.organisation, actor: nil,
                                             detail: step.escalatedTo.map { "Quá hạn; đã báo cáo \($0)" } ?? "Quá hạn")],
                         to: payload.dossierCode, db: context.db)
        try context.emit(.dossierStepOverdue, subject: payload.dossierCode, data: DossierStepOverdueV1(
            dossierCode: payload.dossierCode, stepNumber: payload.stepNumber, stepCode: step.stepCode,
            organisationCode: step.organisation, deadline: step.deadline ?? timer.dueAt,
            escalatedToOrganisationCode: step.escalatedTo, detectedAt: context.now))
    }
}
