import Contracts
import Foundation
import Persistence
import ServiceKit

/// Before a step's deadline: `dossier.step-reminder.v1` to its organisation.
struct StepReminderTimer: TimerHandler {
    var kind: String { RouteDesk.reminderTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(StepTimerPayload.self)
        guard let row = try context.db.execute("""
            UPDATE route_steps SET reminded_at = $3::timestamptz
            WHERE dossier_code = $1 AND step_number = $2 AND status = 'assigned'
            RETURNING step_code, organisation_code, \(rfc3339SQL("deadline")) AS deadline
            """, [payload.dossierCode, payload.stepNumber, context.now]).first else { return }
        try context.emit(.dossierStepReminder, subject: payload.dossierCode, data: DossierStepReminderV1(
            dossierCode: payload.dossierCode, stepNumber: payload.stepNumber, stepCode: try row.string("step_code"),
            organisationCode: try row.string("organisation_code"),
            deadline: WireJSON.parseTimestamp(try row.string("deadline")) ?? timer.dueAt, remindedAt: context.now))
    }
}

/// At a step's deadline, still undecided: escalated to the superior organisation with
/// `dossier.step-overdue.v1`; the step is counted late when decided.
struct StepOverdueTimer: TimerHandler {
    let desk: RouteDesk
    var kind: String { RouteDesk.overdueTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(StepTimerPayload.self)
        guard let row = try context.db.execute("""
            UPDATE route_steps s SET escalated_at = $3::timestamptz,
                escalated_to = (SELECT parent_code FROM organisations o WHERE o.code = s.organisation_code)
            WHERE dossier_code = $1 AND step_number = $2 AND status = 'assigned'
            RETURNING step_code, organisation_code, escalated_to, \(rfc3339SQL("deadline")) AS deadline
            """, [payload.dossierCode, payload.stepNumber, context.now]).first else { return }
        let escalatedTo = try row.optionalString("escalated_to")
        try desk.history(payload.dossierCode, step: payload.stepNumber, event: "overdue",
                         organisation: try row.string("organisation_code"), actor: nil,
                         detail: "Quá hạn; đã báo cáo \(escalatedTo ?? "cấp trên")", context: context)
        try context.emit(.dossierStepOverdue, subject: payload.dossierCode, data: DossierStepOverdueV1(
            dossierCode: payload.dossierCode, stepNumber: payload.stepNumber, stepCode: try row.string("step_code"),
            organisationCode: try row.string("organisation_code"),
            deadline: WireJSON.parseTimestamp(try row.string("deadline")) ?? timer.dueAt,
            escalatedToOrganisationCode: escalatedTo, detectedAt: context.now))
    }
}
