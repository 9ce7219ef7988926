import Contracts
import Persistence

/// What the commands on an existing dossier (amend, withdraw) share.
enum DossierCommands {
    /// Locks the dossier's row until the transaction ends, so that amendments and withdrawals of one
    /// dossier go in turn; callers read it in a statement of their own afterwards (a statement that
    /// waited for the lock would read the status from before it).
    static func lock(_ code: String, db: PostgresConnection) throws {
        try db.executeDeferred("SELECT 1 FROM dossiers WHERE code = $1 FOR UPDATE", [code])
    }

    /// The dossier code as an answer's subject, when it is itself a clean identifier (an answer
    /// never echoes unchecked input).
    static func subject(_ dossierCode: String) -> String? {
        WireText.isCleanIdentifier(dossierCode) ? dossierCode : nil
    }

    /// Another integrator's dossier, or none: the same answer, so that codes cannot be probed.
    static func unknownDossier(_ code: String) -> Problem {
        Problem(code: "unknown-dossier", path: "$.data.dossierCode",
                message: "Không tìm thấy hồ sơ \(WireText.quote(code)) do hệ thống của quý vị nộp.")
    }
}
