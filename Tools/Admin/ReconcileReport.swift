import Contracts
import Foundation

extension DossierAccounting {
    /// The operator's reading: totals, the waiting ones by status, then every stuck dossier.
    func report(listWaiting: Bool) -> String {
        var lines = ["\(organisation.map { "organisation \($0): " } ?? "")\(submitted) dossier(s): \(finished) finished, "
                     + "\(submitted - finished) waiting, \(stuck.count) stuck (waiting for a service over \(stuckAfterSeconds) s)"]
        for group in waiting {
            lines.append("  \(group.status) → \(group.waitsFor): \(group.dossiers), oldest since \(WireJSON.formatTimestamp(group.oldestSince))")
        }
        for entry in listWaiting ? unfinished : stuck {
            lines.append([entry.stuck ? "STUCK" : "waiting", entry.dossierCode, entry.status.rawValue,
                          "for \(entry.ageSeconds) s", "waits for \(entry.waitsFor.label)", entry.evidence ?? ""]
                .joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same figures for Prometheus (text exposition format 0.0.4), all under `tthc_reconcile_`:
    /// every service waiter's stuck count is written, 0 included, so the alert sees it clear.
    func exposition() -> String {
        let scope = organisation.map { ",organisation=\"\(Self.escaped($0))\"" } ?? ""
        var text = """
            # HELP tthc_reconcile_dossiers Dossiers intake gave a code, accounted by the last reconciliation.
            # TYPE tthc_reconcile_dossiers gauge
            tthc_reconcile_dossiers{standing="finished"\(scope)} \(finished)
            tthc_reconcile_dossiers{standing="waiting"\(scope)} \(submitted - finished)
            # HELP tthc_reconcile_waiting_dossiers Unfinished dossiers by public status and who they wait for.
            # TYPE tthc_reconcile_waiting_dossiers gauge

            """
        for group in waiting {
            text += "tthc_reconcile_waiting_dossiers{status=\"\(group.status)\",waits_for=\"\(group.waitsFor)\"\(scope)} \(group.dossiers)\n"
        }
        text += """
            # HELP tthc_reconcile_stuck_dossiers Dossiers waiting for a service longer than the allowance.
            # TYPE tthc_reconcile_stuck_dossiers gauge

            """
        let stuckBy = Dictionary(grouping: stuck, by: \.waitsFor)
        for waiter in DossierWaiter.allCases where waiter.isService {
            text += "tthc_reconcile_stuck_dossiers{waits_for=\"\(waiter.rawValue)\"\(scope)} \(stuckBy[waiter]?.count ?? 0)\n"
        }
        text += """
            # HELP tthc_reconcile_oldest_stuck_age_seconds How long the oldest stuck dossier has waited (0: none).
            # TYPE tthc_reconcile_oldest_stuck_age_seconds gauge
            tthc_reconcile_oldest_stuck_age_seconds\(scope.isEmpty ? "" : "{\(scope.dropFirst())}") \(stuck.map(\.ageSeconds).max() ?? 0)
            # HELP tthc_reconcile_last_run_timestamp_seconds When this reconciliation ran.
            # TYPE tthc_reconcile_last_run_timestamp_seconds gauge
            tthc_reconcile_last_run_timestamp_seconds\(scope.isEmpty ? "" : "{\(scope.dropFirst())}") \(Int(at.timeIntervalSince1970))

            """
        return text
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
