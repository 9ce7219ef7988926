import Calendar
import Contracts
import Foundation
import Persistence

/// One organisation's evaluation figures for a period (Đ.37.2), in one answer: its route steps
/// (`RouteStore.Figures`), the dossiers it received (`DossierFigures`), and the PAKN items it
/// handled (`feedback`, `FeedbackFigures`). JSON keeps the step and dossier figures at the top
/// level and PAKN's under `feedback`; CSV is one header line and one line of values, PAKN's
/// columns prefixed `feedback.`.
struct EvaluationFigures: Encodable {
    let steps: RouteStore.Figures
    let dossiers: DossierFigures
    let feedback: FeedbackFigures

    static let columns = [
        "organisationCode", "decidedOnTime", "decidedLate", "pending", "pendingOverdue", "averageWorkingHours", "p90WorkingHours",
        "dossiersReceived", "dossiersDecidedOnTime", "dossiersDecidedLate", "dossiersWithdrawn", "dossiersInProgress", "dossiersOverdue",
        "dossierAverageWorkingHours", "dossierP90WorkingHours", "supplementsAtCheck", "returnsDuringHandling", "interactionsPerDossier",
        "rated", "averageRating",
        "feedback.received", "feedback.answeredOnTime", "feedback.answeredLate", "feedback.openLate", "feedback.refusedOrWithdrawn",
        "feedback.averageDaysToAnswer", "feedback.rated", "feedback.averageRating",
    ]

    enum Key: String, CodingKey { case feedback }

    func encode(to encoder: any Encoder) throws {
        try steps.encode(to: encoder)
        try dossiers.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(feedback, forKey: .feedback)
    }

    /// The figures of `code` in the organisation's own working hours; PAKN items received in the
    /// period (the last 365 days when none is given).
    static func of(_ code: String, _ query: FiguresQuery, desk: RouteDesk, db: PostgresConnection, now: Date) throws -> EvaluationFigures {
        let record = try desk.tree(for: [code], db: db)[code]
        let calendar = desk.calendars.calendar(for: code, officeHours: record?.officeHours)
        let end = query.until ?? now.addingTimeInterval(1)
        return EvaluationFigures(
            steps: try desk.store.figures(of: code, at: now, decidedFrom: query.from, decidedUntil: query.until, calendar: calendar, db: db),
            dossiers: try desk.store.dossierFigures(of: code, at: now, from: query.from, until: query.until, calendar: calendar, db: db),
            feedback: try FeedbackStore(content: desk.store.content).figures(
                of: code, from: query.from ?? end.addingTimeInterval(-365 * 86_400), to: end, db: db))
    }
}
