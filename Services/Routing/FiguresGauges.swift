import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// The evaluation figures that dashboards follow live (Đ.37.2), read from routing's tables at each
/// `/metrics` scrape, per organisation (only those with something open): steps assigned and past
/// their deadline, dossiers received and not over and past their deadline, PAKN items past theirs.
enum FiguresGauges {
    static let all: [StoredGauge] = [
        gauge("steps_pending", "steps", "Route steps assigned to the organisation and not decided", """
            SELECT organisation_code AS organisation, count(*) AS n FROM route_steps
            WHERE status = '\(StepStatus.assigned.rawValue)' GROUP BY 1
            """),
        gauge("steps_overdue", "steps", "Route steps assigned to the organisation and past their deadline", """
            SELECT organisation_code AS organisation, count(*) AS n FROM route_steps
            WHERE status = '\(StepStatus.assigned.rawValue)' AND deadline < now() GROUP BY 1
            """),
        gauge("dossiers_in_progress", "dossiers", "Dossiers the organisation received that are not decided or withdrawn", """
            SELECT receiving_organisation_code AS organisation, count(*) AS n FROM routes
            WHERE status NOT IN ('\(RouteStatus.decided.rawValue)', '\(RouteStatus.withdrawn.rawValue)') AND receiving_organisation_code IS NOT NULL
            GROUP BY 1
            """),
        gauge("dossiers_overdue", "dossiers", "Dossiers the organisation received that are not over and past their processing deadline", """
            SELECT receiving_organisation_code AS organisation, count(*) AS n FROM routes
            WHERE status NOT IN ('\(RouteStatus.decided.rawValue)', '\(RouteStatus.withdrawn.rawValue)') AND deadline < now()
              AND receiving_organisation_code IS NOT NULL
            GROUP BY 1
            """),
        gauge("feedback_open_late", "items", "PAKN items in the organisation's charge, not answered and past their answer deadline", """
            SELECT organisation_code AS organisation, count(*) AS n FROM feedback_items
            WHERE late AND first_answered_at IS NULL
              AND status NOT IN ('\(FeedbackStatus.refused.rawValue)', '\(FeedbackStatus.withdrawn.rawValue)', '\(FeedbackStatus.linked.rawValue)')
            GROUP BY 1
            """),
    ]

    private static func gauge(_ name: String, _ unit: String, _ help: String, _ sql: String) -> StoredGauge {
        StoredGauge(name: name, unit: unit, help: help) { db in
            try db.execute(sql).rows.map { StoredGauge.Sample(labels: [("organisation", try $0.string("organisation"))], value: Double(try $0.int("n"))) }
        }
    }
}
