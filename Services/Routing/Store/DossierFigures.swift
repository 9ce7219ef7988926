import Calendar
import Contracts
import Foundation
import Persistence
import RoutingRules

/// The whole-dossier evaluation figures of one receiving organisation (Đ.37.2): dossiers received
/// (accepted for handling: their routes), decided on time and late against the processing
/// deadline, in progress and overdue, the time from the official receipt to the decision in the
/// organisation's working hours, the interactions with the submitter, and the members' ratings.
struct DossierFigures: Encodable, Sendable {
    /// Dossiers received in the period (by official receipt), of which the figures below speak.
    let dossiersReceived: Int
    /// Decided (approved or refused by the organisations) in the period, by the deadline or after it
    /// (a dossier whose deadline could not be counted — its procedure left the catalog — is in neither).
    let dossiersDecidedOnTime: Int
    let dossiersDecidedLate: Int
    /// Withdrawn by the submitter in the period.
    let dossiersWithdrawn: Int
    /// Not over yet (now), and of those past their deadline.
    let dossiersInProgress: Int
    let dossiersOverdue: Int
    /// From official receipt to decision, in working hours, for the dossiers decided in the period.
    let dossierAverageWorkingHours: Double?
    let dossierP90WorkingHours: Double?
    /// Supplements asked for at the content check and returns during handling, of the dossiers
    /// received in the period, and their sum per dossier.
    let supplementsAtCheck: Int
    let returnsDuringHandling: Int
    let interactionsPerDossier: Double?
    /// The members' ratings (1–5) given in the period, and their mean (also of dossiers refused at
    /// the check, which have no route).
    let rated: Int
    let averageRating: Double?
}

extension RouteStore {
    func dossierFigures(of code: String, at now: Date, from: Date?, until: Date?, calendar: WorkingCalendar,
                        db: PostgresConnection) throws -> DossierFigures {
        func period(_ column: String) -> String {
            "\(column) IS NOT NULL AND ($3::timestamptz IS NULL OR \(column) >= $3::timestamptz) AND ($4::timestamptz IS NULL OR \(column) < $4::timestamptz)"
        }
        let (decided, withdrawn) = (RouteStatus.decided.rawValue, RouteStatus.withdrawn.rawValue)
        let row = try db.execute("""
            SELECT count(*) FILTER (WHERE \(period("official_receipt_at"))) AS received,
                   count(*) FILTER (WHERE status = '\(decided)' AND \(period("decided_at")) AND decided_at <= deadline) AS on_time,
                   count(*) FILTER (WHERE status = '\(decided)' AND \(period("decided_at")) AND decided_at > deadline) AS late,
                   count(*) FILTER (WHERE status = '\(withdrawn)' AND \(period("decided_at"))) AS withdrawn,
                   count(*) FILTER (WHERE status NOT IN ('\(decided)', '\(withdrawn)')) AS in_progress,
                   count(*) FILTER (WHERE status NOT IN ('\(decided)', '\(withdrawn)') AND deadline < $2::timestamptz) AS overdue,
                   (SELECT count(*) FROM dossier_interactions i JOIN routes r USING (dossier_code)
                    WHERE r.receiving_organisation_code = $1 AND i.kind = 'check-supplement' AND \(period("r.official_receipt_at"))) AS supplements,
                   (SELECT count(*) FROM dossier_interactions i JOIN routes r USING (dossier_code)
                    WHERE r.receiving_organisation_code = $1 AND i.kind = 'return' AND \(period("r.official_receipt_at"))) AS returns,
                   (SELECT count(*) FROM dossier_ratings g
                    WHERE g.receiving_organisation_code = $1 AND \(period("g.rated_at"))) AS rated,
                   (SELECT round(avg(g.rating), 2)::text FROM dossier_ratings g
                    WHERE g.receiving_organisation_code = $1 AND \(period("g.rated_at"))) AS average_rating
            FROM routes WHERE receiving_organisation_code = $1
            """, [code, now, from, until]).first!
        let hours = try db.execute("""
            SELECT \(rfc3339SQL("official_receipt_at")) AS receipt, \(rfc3339SQL("decided_at")) AS decided FROM routes
            WHERE receiving_organisation_code = $1 AND status = '\(decided)' AND \(period("decided_at").replacingOccurrences(of: "$3", with: "$2").replacingOccurrences(of: "$4", with: "$3"))
            """, [code, from, until]).rows.compactMap { row -> Double? in
            guard let receipt = try row.optionalString("receipt").flatMap(WireJSON.parseTimestamp),
                  let decidedAt = try row.optionalString("decided").flatMap(WireJSON.parseTimestamp) else { return nil }
            return try calendar.workingHours(from: receipt, to: decidedAt)
        }
        let received = try row.int("received"), supplements = try row.int("supplements"), returns = try row.int("returns")
        return DossierFigures(
            dossiersReceived: received, dossiersDecidedOnTime: try row.int("on_time"), dossiersDecidedLate: try row.int("late"),
            dossiersWithdrawn: try row.int("withdrawn"), dossiersInProgress: try row.int("in_progress"), dossiersOverdue: try row.int("overdue"),
            dossierAverageWorkingHours: WorkingHourFigures.mean(hours), dossierP90WorkingHours: WorkingHourFigures.p90(hours),
            supplementsAtCheck: supplements, returnsDuringHandling: returns,
            interactionsPerDossier: received == 0 ? nil : WorkingHourFigures.rounded(Double(supplements + returns) / Double(received)),
            rated: try row.int("rated"), averageRating: try row.optionalString("average_rating").flatMap(Double.init))
    }
}

/// The mean and the 90th percentile (nearest rank) of durations, to the hundredth; nil for none.
enum WorkingHourFigures {
    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
    static func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : rounded(values.reduce(0, +) / Double(values.count)) }
    static func p90(_ values: [Double]) -> Double? {
        let sorted = values.sorted()
        return sorted.isEmpty ? nil : rounded(sorted[Int((0.9 * Double(sorted.count)).rounded(.up)) - 1])
    }
}
