import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.submit.v1` → a dossier with its code and official receipt time, or a rejection that
/// lists every problem. A batch costs six statements whatever its size.
struct DossierSubmitHandler: BatchMessageHandler {
    let messageType = MessageType.dossierSubmit
    let calendar: WorkingCalendar

    private struct Submission {
        let message: IncomingMessage
        let integrator: String
        let submit: DossierSubmitV1
        var key: String { "\(integrator)\u{1f}\(submit.clientSubmissionId)" }
    }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let db = context.db
        let submissions = try authenticate(batch, db: db)
        // Identical submissions arriving at two replicas at once: the second waits on this lock,
        // then finds the first's dossier instead of taking a second code.
        let keys = Set(submissions.map(\.key)).sorted()
        try db.execute("SELECT count(pg_advisory_xact_lock(hashtext('intake.submission/' || k))) FROM unnest($1::text[]) AS k",
                       [PostgresArray(keys)])
        var receipts = try storedReceipts(for: submissions, db: db)

        let receivedAt = context.now
        let officialReceiptAt: Date
        do {
            officialReceiptAt = try calendar.officialReceiptTime(for: receivedAt)
        } catch {
            throw PermanentFailure(code: "calendar-not-covered", reason: "\(error)")
        }
        var fresh: [Submission] = []
        for submission in submissions {
            if let receipt = receipts[submission.key] {
                // The same submission again: the same code, nothing created.
                try context.reply(to: submission.message, .dossierReceived, subject: receipt.dossierCode, data: receipt)
                continue
            }
            let problems = TechnicalCheck.problems(in: submission.submit)
            guard problems.isEmpty else {
                let rejected = DossierRejectedV1(integrator: submission.integrator,
                                                 clientSubmissionId: submission.submit.clientSubmissionId, problems: problems)
                try context.emit(.dossierRejected, subject: nil, data: rejected, causedBy: submission.message)
                try context.reply(to: submission.message, .dossierRejected, subject: nil, data: rejected)
                continue
            }
            // A placeholder marks the key taken within this batch; the code is filled in below.
            receipts[submission.key] = DossierReceivedV1(
                dossierCode: "", integrator: submission.integrator, clientSubmissionId: submission.submit.clientSubmissionId,
                procedureCode: "", receivingOrganisationCode: "", submitter: submission.submit.submitter, form: [:],
                attachments: [], receivedAt: receivedAt, officialReceiptAt: officialReceiptAt)
            fresh.append(submission)
        }
        guard !fresh.isEmpty else { return }
        let codes = try takeCodes(for: fresh.map(\.submit.receivingOrganisationCode), receivedAt: receivedAt, db: db)
        var received: [DossierReceivedV1] = []
        for (submission, code) in zip(fresh, codes) {
            let s = submission.submit
            received.append(DossierReceivedV1(
                dossierCode: code, integrator: submission.integrator, clientSubmissionId: s.clientSubmissionId,
                procedureCode: s.procedureCode, receivingOrganisationCode: s.receivingOrganisationCode,
                submitter: s.submitter, form: s.form, attachments: s.attachments,
                receivedAt: receivedAt, officialReceiptAt: officialReceiptAt))
        }
        try db.execute("""
            INSERT INTO dossiers (code, integrator, client_submission_id, procedure_code, receiving_organisation_code,
                                  member_id, received_at, official_receipt_at, status, submission)
            SELECT code, integrator, client_id, procedure, organisation, member, $7::timestamptz, $8::timestamptz,
                   'received', submission
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $9::jsonb[])
                AS t(code, integrator, client_id, procedure, organisation, member, submission)
            """, [PostgresArray(received.map(\.dossierCode)), PostgresArray(received.map(\.integrator)),
                  PostgresArray(received.map(\.clientSubmissionId)), PostgresArray(received.map(\.procedureCode)),
                  PostgresArray(received.map(\.receivingOrganisationCode)), PostgresArray(received.map(\.submitter.memberId)),
                  receivedAt, officialReceiptAt,
                  PostgresArray(try fresh.map { String(decoding: try WireJSON.encode($0.submit), as: UTF8.self) })])
        for (submission, event) in zip(fresh, received) {
            try context.emit(.dossierReceived, subject: event.dossierCode, data: event, causedBy: submission.message)
            try context.reply(to: submission.message, .dossierReceived, subject: event.dossierCode, data: event)
        }
    }

    /// The verified sender of each message must be an active integrator.
    private func authenticate(_ batch: [IncomingMessage], db: PostgresConnection) throws -> [Submission] {
        let senders = Array(Set(batch.compactMap(\.sender)))
        let active = Set(try db.execute("SELECT name FROM integrators WHERE active AND name = ANY($1::text[])",
                                        [PostgresArray(senders)]).rows.map { try $0.string("name") })
        return try batch.map { message in
            guard let integrator = message.sender else {
                throw PermanentFailure(code: "unknown-integrator", reason: "message has no user_id: the sender is unknown")
            }
            guard active.contains(integrator) else {
                throw PermanentFailure(code: "unknown-integrator",
                                       reason: "integrator \(integrator) is not registered or not active in intake")
            }
            return Submission(message: message, integrator: integrator, submit: try message.decode(DossierSubmitV1.self).data)
        }
    }

    /// Receipts of dossiers already created for these submissions, by submission key.
    private func storedReceipts(for submissions: [Submission], db: PostgresConnection) throws -> [String: DossierReceivedV1] {
        let rows = try db.execute("""
            SELECT d.integrator, d.client_submission_id, d.code, d.submission::text AS submission,
                   to_char(d.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS received_at,
                   to_char(d.official_receipt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS official_receipt_at
            FROM dossiers d JOIN unnest($1::text[], $2::text[]) AS k(integrator, client_id)
              ON d.integrator = k.integrator AND d.client_submission_id = k.client_id
            """, [PostgresArray(submissions.map(\.integrator)), PostgresArray(submissions.map(\.submit.clientSubmissionId))])
        var receipts: [String: DossierReceivedV1] = [:]
        for row in rows.rows {
            let s = try WireJSON.decode(DossierSubmitV1.self, from: Array(try row.string("submission").utf8))
            let integrator = try row.string("integrator")
            receipts["\(integrator)\u{1f}\(s.clientSubmissionId)"] = DossierReceivedV1(
                dossierCode: try row.string("code"), integrator: integrator, clientSubmissionId: s.clientSubmissionId,
                procedureCode: s.procedureCode, receivingOrganisationCode: s.receivingOrganisationCode,
                submitter: s.submitter, form: s.form, attachments: s.attachments,
                receivedAt: WireJSON.parseTimestamp(try row.string("received_at")) ?? Date(),
                officialReceiptAt: WireJSON.parseTimestamp(try row.string("official_receipt_at")) ?? Date())
        }
        return receipts
    }

    /// Dossier codes for new dossiers, in order: the next numbers of each organisation's daily
    /// sequence, taken in this transaction (gap-free: a rollback gives them back).
    private func takeCodes(for organisations: [String], receivedAt: Date, db: PostgresConnection) throws -> [String] {
        let reservation = NumberReservation(for: organisations)
        let rows = try db.execute("""
            INSERT INTO dossier_sequences (organisation_code, day, last_value)
            SELECT organisation, $2::date, n FROM unnest($1::text[], $3::int[]) AS t(organisation, n) ORDER BY organisation
            ON CONFLICT (organisation_code, day) DO UPDATE SET last_value = dossier_sequences.last_value + excluded.last_value
            RETURNING organisation_code, last_value
            """, [PostgresArray(reservation.keys), DossierCode.isoDay(receivedAt), PostgresArray(reservation.counts)])
        let last = try rows.rows.reduce(into: [String: Int]()) { $0[try $1.string("organisation_code")] = try $1.int("last_value") }
        return zip(organisations, reservation.assign(organisations, lastValues: last)).map {
            DossierCode(organisationCode: $0, receivedAt: receivedAt, sequence: $1).description
        }
    }
}
