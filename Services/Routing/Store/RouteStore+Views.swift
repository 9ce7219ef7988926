import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// What officers read of the route tables: an organisation's inbox, a dossier's route with its
/// history, and the evaluation figures (Đ.37). Who may read what is decided by `OfficerRoutes`.
extension RouteStore {
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

    /// The assigned steps of `organisations` on routes in progress, by deadline.
    func inbox(of organisations: [String], at now: Date, db: PostgresConnection) throws -> [InboxEntry] {
        try db.execute("""
            SELECT s.dossier_code, r.procedure_code, s.step_number, s.step_code, s.name, s.action, s.organisation_code,
                   \(rfc3339SQL("s.assigned_at")) AS assigned_at, \(rfc3339SQL("s.deadline")) AS deadline,
                   s.deadline < $2::timestamptz AS overdue
            FROM route_steps s JOIN routes r USING (dossier_code)
            WHERE s.status = '\(StepStatus.assigned.rawValue)' AND r.status = '\(RouteStatus.inProgress.rawValue)' AND s.organisation_code = ANY($1::text[])
            ORDER BY s.deadline, s.dossier_code LIMIT 500
            """, [PostgresArray(organisations), now]).rows.map { row in
            InboxEntry(dossierCode: try row.string("dossier_code"), procedureCode: try row.string("procedure_code"),
                       stepNumber: try row.int("step_number"), stepCode: try row.string("step_code"),
                       name: try row.string("name"), action: try row.string("action"),
                       organisationCode: try row.string("organisation_code"), assignedAt: try row.string("assigned_at"),
                       deadline: try row.string("deadline"), overdue: try row.bool("overdue"))
        }
    }

    /// The organisations the route has reached (any step no longer waiting).
    func reachedOrganisations(_ code: String, db: PostgresConnection) throws -> Set<String> {
        Set(try db.execute("SELECT organisation_code FROM route_steps WHERE dossier_code = $1 AND status <> $2",
                           [code, StepStatus.waiting.rawValue]).rows.map { try $0.string("organisation_code") })
    }

    /// The organisation that handles step `step` of the route; nil when the route has no such step.
    func organisation(of code: String, step: Int, db: PostgresConnection) throws -> String? {
        try db.execute("SELECT organisation_code FROM route_steps WHERE dossier_code = $1 AND step_number = $2", [code, step])
            .first.map { try $0.string("organisation_code") }
    }

    struct RouteView: Encodable {
        struct StepView: Encodable {
            let number: Int
            let code: String
            let name: String
            let organisationCode: String
            let action: String
            let status: StepStatus
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
        let status: RouteStatus
        let currentStep: Int?
        let duesStatus: String?
        let steps: [StepView]
        let history: [Event]
        /// What the organisations need to handle the dossier (Đ.22.2: never asked again).
        let dossier: DossierAcceptedV1
        /// Its documents at archive, readable by the organisations on the route (same token).
        let documentsURL: String
    }

    func view(_ code: String, links: DocumentLinks, db: PostgresConnection) throws -> RouteView {
        guard let route = try db.execute("""
            SELECT procedure_code, status, current_step, \(SealedColumn.accepted.select()), dues_paid_up_to,
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
                               status: try row.value(StepStatus.self, "status"), assignedAt: try row.optionalString("assigned_at"),
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
        let accepted = try content.open(DossierAcceptedV1.self, row: route, in: .accepted, context: SealedColumn.acceptedContext(code))
        let dues = try route.bool("reported")
            ? DuesStatusReportedV1.letterText(paidUpToMonth: try route.optionalString("dues_paid_up_to"))
            : nil
        return RouteView(dossierCode: code, procedureCode: try route.string("procedure_code"), status: try route.value(RouteStatus.self, "status"),
                         currentStep: try route.optionalInt("current_step"), duesStatus: dues, steps: steps, history: history,
                         dossier: accepted, documentsURL: links.dossierDocuments(code))
    }

    struct Figures: Encodable {
        let organisationCode: String
        let decidedOnTime: Int
        let decidedLate: Int
        let pending: Int
        let pendingOverdue: Int
        /// Decided steps' time from assignment to decision in the organisation's working hours
        /// (Đ.37.2): the mean and the 90th percentile (nearest rank); absent when none was decided.
        let averageWorkingHours: Double?
        let p90WorkingHours: Double?
    }

    /// An organisation's decided (on time, late) and pending (of which overdue) steps; automatic and
    /// skipped steps do not count, nor steps cancelled by a withdrawal, nor the member's time to
    /// present a letter (the member's lateness).
    func figures(of code: String, at now: Date, decidedFrom: Date? = nil, decidedUntil: Date? = nil, calendar: WorkingCalendar,
                 db: PostgresConnection) throws -> Figures {
        // Decided steps count in the period they were decided in; pending ones are as of now.
        let inPeriod = "decided_at IS NOT NULL AND ($3::timestamptz IS NULL OR decided_at >= $3::timestamptz) AND ($4::timestamptz IS NULL OR decided_at < $4::timestamptz)"
        let row = try db.execute("""
            SELECT count(*) FILTER (WHERE \(inPeriod) AND on_time) AS on_time,
                   count(*) FILTER (WHERE \(inPeriod) AND NOT on_time) AS late,
                   count(*) FILTER (WHERE status = '\(StepStatus.assigned.rawValue)') AS pending,
                   count(*) FILTER (WHERE status = '\(StepStatus.assigned.rawValue)' AND deadline < $2::timestamptz) AS overdue
            FROM route_steps WHERE organisation_code = $1
                AND status NOT IN ('\(StepStatus.automatic.rawValue)', '\(StepStatus.skipped.rawValue)', '\(StepStatus.cancelled.rawValue)')
                AND action <> '\(PlannedStep.presentLetter)'
            """, [code, now, decidedFrom, decidedUntil]).first!
        let hours = try db.execute("""
            SELECT \(rfc3339SQL("assigned_at")) AS assigned_at, \(rfc3339SQL("decided_at")) AS decided_at FROM route_steps
            WHERE organisation_code = $1 AND \(inPeriod.replacingOccurrences(of: "$3", with: "$2").replacingOccurrences(of: "$4", with: "$3"))
                AND assigned_at IS NOT NULL
                AND status NOT IN ('\(StepStatus.automatic.rawValue)', '\(StepStatus.skipped.rawValue)', '\(StepStatus.cancelled.rawValue)')
                AND action <> '\(PlannedStep.presentLetter)'
            """, [code, decidedFrom, decidedUntil]).rows.compactMap { row -> Double? in
            guard let from = try row.optionalString("assigned_at").flatMap(WireJSON.parseTimestamp),
                  let to = try row.optionalString("decided_at").flatMap(WireJSON.parseTimestamp) else { return nil }
            return try calendar.workingHours(from: from, to: to)
        }
        return Figures(organisationCode: code, decidedOnTime: try row.int("on_time"), decidedLate: try row.int("late"),
                       pending: try row.int("pending"), pendingOverdue: try row.int("overdue"),
                       averageWorkingHours: WorkingHourFigures.mean(hours), p90WorkingHours: WorkingHourFigures.p90(hours))
    }
}
