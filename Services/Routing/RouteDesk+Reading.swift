import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// A route as routing reads it: the route row locked for the transaction, its steps with each
/// organisation's office hours and software user from the registry replica.
extension RouteDesk {
    struct Route {
        let code: String
        let status: String
        let currentStep: Int?
        /// The accepted dossier as stored; decoded only when a step needs it (most decisions do
        /// not, and decoding the whole dossier per decision was a visible share of routing's CPU).
        let acceptedJSON: String
        let duesPaidUpTo: String?
        let duesReported: Bool
        var steps: [Step]

        var accepted: DossierAcceptedV1 {
            get throws { try WireJSON.decode(DossierAcceptedV1.self, from: Array(acceptedJSON.utf8)) }
        }
        var form: [String: String] { get throws { try accepted.form ?? [:] } }

        /// The route as it stands after step `number` was decided in this transaction, without
        /// reading it again (the row stays locked: nothing else changed it).
        func deciding(_ number: Int, status: String, content: [String: String]?) -> Route {
            var route = self
            if let index = route.steps.firstIndex(where: { $0.number == number }) {
                route.steps[index].status = status
                route.steps[index].content = content
            }
            return route
        }
        func step(_ number: Int) -> Step? { steps.first { $0.number == number } }
    }

    struct Step {
        let number: Int
        let code: String
        let name: String
        let organisationCode: String
        let role: String
        let action: String
        let workingDays: Int
        let needsDuesStatus: Bool
        let campaignDeadlineField: String?
        var status: String
        let deadline: Date?
        var content: [String: String]?
        /// The organisation's office hours as its record states them now (nil: not stated).
        let officeHours: [String]?
        /// The RabbitMQ user of the organisation's own software, which gets its steps (nil: none).
        let softwareUser: String?
    }

    /// The working calendar a step's deadlines are counted in: its organisation's own hours.
    func calendar(for step: Step) -> WorkingCalendar {
        calendars.calendar(for: step.organisationCode, officeHours: step.officeHours)
    }

    /// The route with its row locked (FOR UPDATE) until the transaction ends.
    func route(_ code: String, db: PostgresConnection) throws -> Route {
        guard let row = try db.execute("""
            SELECT status, current_step, accepted::text AS accepted, dues_paid_up_to, dues_reported_at IS NOT NULL AS dues_reported
            FROM routes WHERE dossier_code = $1 FOR UPDATE
            """, [code]).first else { throw DecisionRefusal.unknownDossier(code) }
        let steps = try db.execute("""
            SELECT s.step_number, s.step_code, s.name, s.organisation_code, s.role, s.action, s.working_days,
                   s.needs_dues_status, s.campaign_deadline_field, s.status, \(rfc3339SQL("s.deadline")) AS deadline,
                   s.content::text AS content, (o.record->'officeHours')::text AS office_hours, o.software_user
            FROM route_steps s LEFT JOIN organisations o ON o.code = s.organisation_code
            WHERE s.dossier_code = $1 ORDER BY s.step_number
            """, [code]).rows.map { row in
            Step(number: try row.int("step_number"), code: try row.string("step_code"), name: try row.string("name"),
                 organisationCode: try row.string("organisation_code"), role: try row.string("role"),
                 action: try row.string("action"), workingDays: try row.int("working_days"),
                 needsDuesStatus: try row.bool("needs_dues_status"), campaignDeadlineField: try row.optionalString("campaign_deadline_field"),
                 status: try row.string("status"), deadline: try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp),
                 content: try row.optionalJSON([String: String].self, "content"),
                 officeHours: try row.optionalString("office_hours").flatMap { try? WireJSON.decode([String].self, from: Array($0.utf8)) },
                 softwareUser: try row.optionalString("software_user"))
        }
        return Route(code: code, status: try row.string("status"), currentStep: try row.optionalInt("current_step"),
                     acceptedJSON: try row.string("accepted"),
                     duesPaidUpTo: try row.optionalString("dues_paid_up_to"), duesReported: try row.bool("dues_reported"),
                     steps: steps)
    }
}
