import Contracts
import Foundation
import Persistence
import ServiceKit

/// The unfinished dossiers on intake's `/metrics`, by public status and who they wait for, and
/// since when the oldest has been at each status: the stuck-dossier alert's view from the one
/// service whose timeline follows every dossier (`tthc-admin reconcile` looks deeper).
enum OpenDossiers {
    struct Count {
        let status: PublicDossierStatus
        let dossiers: Int
        let oldestSince: Date
    }

    /// One row per status of the unfinished dossiers (partial index `dossiers_unfinished`, then
    /// each one's latest status through `dossier_events_status`).
    static func counts(_ db: PostgresConnection) throws -> [Count] {
        try db.execute("""
            SELECT s.status, count(*)::int AS n, \(rfc3339SQL("min(s.since)")) AS oldest
            FROM dossiers d CROSS JOIN LATERAL (
                SELECT e.status, e.occurred_at AS since FROM dossier_events e
                WHERE e.dossier_code = d.code AND e.status IS NOT NULL ORDER BY e.occurred_at DESC, e.message_id DESC LIMIT 1) s
            WHERE d.finished_at IS NULL GROUP BY s.status ORDER BY s.status
            """).rows.compactMap { row in
            // A status this build does not know (written by a newer one) is left out, not guessed.
            guard let status = PublicDossierStatus(rawValue: try row.string("status")),
                  let oldest = WireJSON.parseTimestamp(try row.string("oldest")) else { return nil }
            return Count(status: status, dossiers: try row.int("n"), oldestSince: oldest)
        }
    }

    static func labels(_ status: PublicDossierStatus) -> [(String, String)] {
        guard case .waiting(let waiter) = status.standing else { return [("status", status.rawValue)] }
        return [("status", status.rawValue), ("waits_for", waiter.rawValue)]
    }

    static let gauges: [StoredGauge] = [
        StoredGauge(name: "dossiers_open", unit: "dossiers",
                    help: "Unfinished dossiers by public status and who they wait for") { db in
            try counts(db).map { StoredGauge.Sample(labels: labels($0.status), value: Double($0.dossiers)) }
        },
        StoredGauge(name: "dossiers_open_oldest_since", unit: "timestamp_seconds",
                    help: "Since when the oldest unfinished dossier has been at its public status", vanished: .removed) { db in
            try counts(db).map { StoredGauge.Sample(labels: labels($0.status), value: $0.oldestSince.timeIntervalSince1970) }
        },
    ]
}
