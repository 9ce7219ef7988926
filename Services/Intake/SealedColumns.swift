import ServiceKit

/// Intake's dossier content at rest, sealed (`SealedContent`, issue 17): the submission it keeps
/// for idempotent answers and the amendment check, and each amendment's receipt.
extension SealedColumn {
    static let submission = SealedColumn(table: "dossiers", sealed: "submission_sealed", keyId: "submission_key_id",
                                         legacy: "submission", contextSQL: "'intake.dossiers:' || code")
    static let supplementReceipt = SealedColumn(table: "supplements", sealed: "receipt_sealed", keyId: "receipt_key_id", legacy: "receipt",
                                                contextSQL: "'intake.supplements:' || integrator || '/' || client_submission_id")

    static func submissionContext(_ code: String) -> String { "intake.dossiers:\(code)" }
    static func supplementContext(integrator: String, clientSubmissionId: String) -> String {
        "intake.supplements:\(integrator)/\(clientSubmissionId)"
    }
}
