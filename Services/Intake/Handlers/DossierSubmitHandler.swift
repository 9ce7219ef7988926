import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.submit.v1` → a dossier with its code, or a rejection listing every problem.
struct DossierSubmitHandler: MessageHandler {
    let messageType = MessageType.dossierSubmit

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let db = context.db
        guard let integrator = message.sender else {
            throw PermanentFailure(code: "unknown-integrator", reason: "message has no user_id: the sender is unknown")
        }
        let known = try db.execute("SELECT active FROM integrators WHERE name = $1", [integrator]).first
        guard let known, try known.bool("active") else {
            throw PermanentFailure(code: "unknown-integrator",
                                   reason: "integrator \(integrator) is not registered or not active in intake")
        }
        let envelope = try message.decode(DossierSubmitV1.self)
        let submit = envelope.data
        // Two identical submissions at two replicas at once: the second waits here and then
        // finds the first's dossier instead of taking a second code.
        try db.execute("SELECT pg_advisory_xact_lock(hashtext($1))", ["intake.submission/\(integrator)/\(submit.clientSubmissionId)"])
        if let existing = try db.execute(
            "SELECT code FROM dossiers WHERE integrator = $1 AND client_submission_id = $2",
            [integrator, submit.clientSubmissionId]).first {
            // Same submission again: answer with the same code, create nothing.
            try context.reply(to: message, .dossierReceived, subject: try existing.string("code"),
                              data: try storedReceipt(code: existing.string("code"), integrator: integrator, submit: submit, db: db))
            return
        }
        let problems = TechnicalCheck.problems(in: submit)
        guard problems.isEmpty else {
            let rejected = DossierRejectedV1(integrator: integrator, clientSubmissionId: submit.clientSubmissionId,
                                             problems: problems)
            try context.emit(.dossierRejected, subject: nil, data: rejected)
            try context.reply(to: message, .dossierRejected, subject: nil, data: rejected)
            return
        }
        let receivedAt = context.now
        // Working-hours rules for the official receipt time arrive with the Calendar (issue 3).
        let officialReceiptAt = receivedAt
        let sequence = try db.execute("""
            INSERT INTO dossier_sequences (organisation_code, day, last_value) VALUES ($1, $2::date, 1)
            ON CONFLICT (organisation_code, day) DO UPDATE SET last_value = dossier_sequences.last_value + 1
            RETURNING last_value
            """, [submit.receivingOrganisationCode, DossierCode.isoDay(receivedAt)]).first!.int("last_value")
        let code = DossierCode(organisationCode: submit.receivingOrganisationCode, receivedAt: receivedAt,
                               sequence: sequence).description
        let received = DossierReceivedV1(
            dossierCode: code, integrator: integrator, clientSubmissionId: submit.clientSubmissionId,
            procedureCode: submit.procedureCode, receivingOrganisationCode: submit.receivingOrganisationCode,
            submitter: submit.submitter, form: submit.form, attachments: submit.attachments,
            receivedAt: receivedAt, officialReceiptAt: officialReceiptAt)
        try db.execute("""
            INSERT INTO dossiers (code, integrator, client_submission_id, procedure_code, receiving_organisation_code,
                                  member_id, received_at, official_receipt_at, status, submission)
            VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, 'received', $9::jsonb)
            """, [code, integrator, submit.clientSubmissionId, submit.procedureCode, submit.receivingOrganisationCode,
                  submit.submitter.memberId, receivedAt, officialReceiptAt,
                  String(decoding: try WireJSON.encode(submit), as: UTF8.self)])
        try context.emit(.dossierReceived, subject: code, data: received)
        try context.reply(to: message, .dossierReceived, subject: code, data: received)
    }

    /// The receipt of an already-created dossier, rebuilt from its stored row.
    private func storedReceipt(code: String, integrator: String, submit: DossierSubmitV1,
                               db: PostgresConnection) throws -> DossierReceivedV1 {
        let row = try db.execute("""
            SELECT to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at,
                   to_char(official_receipt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS official_receipt_at
            FROM dossiers WHERE code = $1
            """, [code]).first!
        return DossierReceivedV1(
            dossierCode: code, integrator: integrator, clientSubmissionId: submit.clientSubmissionId,
            procedureCode: submit.procedureCode, receivingOrganisationCode: submit.receivingOrganisationCode,
            submitter: submit.submitter, form: submit.form, attachments: submit.attachments,
            receivedAt: WireJSON.parseTimestamp(try row.string("received_at")) ?? Date(),
            officialReceiptAt: WireJSON.parseTimestamp(try row.string("official_receipt_at")) ?? Date())
    }
}
