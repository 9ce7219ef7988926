import Contracts

/// Where intake keeps the public status: `intake.dossier_events.status`, written on receipt and
/// supplement and by `TimelineHandler` for the other services' events.
extension PublicDossierStatus {
    /// SQL for the current status of the dossier whose code is `codeSQL` (a column or parameter
    /// from code, never input): events may arrive out of order, the latest one decides.
    static func currentSQL(of codeSQL: String) -> String {
        """
        (SELECT e.status FROM dossier_events e WHERE e.dossier_code = \(codeSQL) AND e.status IS NOT NULL
         ORDER BY e.occurred_at DESC, e.message_id DESC LIMIT 1)
        """
    }
}
