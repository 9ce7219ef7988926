import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit
import Signatures

/// What became of one submission.
enum SubmissionOutcome: Sendable {
    /// A new dossier, with its receipt.
    case created(DossierReceivedV1)
    /// The same integrator and client submission id again: the existing dossier's receipt.
    case existing(DossierReceivedV1)
    /// The technical check failed; every problem is listed and no dossier exists.
    case rejected(DossierRejectedV1)
}

/// One submission to receive: from an AMQP message (then its events continue its trace) or HTTP.
struct SubmissionRequest: Sendable {
    let integrator: String
    let submit: DossierSubmitV1
    let message: IncomingMessage?

    var key: String { "\(integrator)\u{1f}\(submit.clientSubmissionId)" }
}

/// The front desk shared by the AMQP handler and the HTTP edge: idempotency, the technical check
/// (Đ.14.1), the dossier code and the official receipt time (in the receiving organisation's office
/// hours), and the events. A batch costs six statements whatever its size.
struct SubmissionDesk: Sendable {
    /// Each receiving organisation's working calendar (its office hours, the country's holidays).
    let calendars: OfficeCalendars
    let catalog: ProcedureCatalog
    /// Base of the public status page (TTHC_PUBLIC_BASE_URL).
    let publicBaseURL: String
    /// Seals the submissions kept (TTHC_HISTORY_KEYS).
    let content: SealedContent

    func verificationURL(_ code: String) -> String { "\(publicBaseURL)/v1/dossiers/\(code)" }

    func receive(_ requests: [SubmissionRequest], context: HandlerContext) throws -> [SubmissionOutcome] {
        // Texts and numbers the database would refuse are answered before any statement sees them.
        var outcomes: [SubmissionOutcome?] = Array(repeating: nil, count: requests.count)
        var clean: [Int] = []
        for (index, request) in requests.enumerated() {
            let textProblems = WireText.problems(in: request.submit)
            guard !textProblems.isEmpty else {
                clean.append(index)
                continue
            }
            let problems = TechnicalCheck.problems(in: request.submit, procedure: catalog.procedure(
                request.submit.procedureCode, at: context.now), textProblems: textProblems)
            outcomes[index] = .rejected(try reject(request, problems: problems, context: context))
        }
        let checked = try receiveChecked(clean.map { requests[$0] }, context: context)
        for (index, outcome) in zip(clean, checked) { outcomes[index] = outcome }
        for (request, outcome) in zip(requests, outcomes) { audit(request, outcome!, context: context) }
        return outcomes.map { $0! }
    }

    private func audit(_ request: SubmissionRequest, _ outcome: SubmissionOutcome, context: HandlerContext) {
        let (code, rejected, detail): (String?, DossierRejectedV1?, String) = switch outcome {
        case .created(let receipt): (receipt.dossierCode, nil, "received \(request.submit.procedureCode)")
        case .existing(let receipt): (receipt.dossierCode, nil, "received before \(request.submit.procedureCode)")
        case .rejected(let rejected): (nil, rejected, "")
        }
        IntakeAudit.received("submit-dossier", integrator: request.integrator, message: request.message, code: code,
                             memberId: request.submit.submitter.memberId, rejected: rejected, detail: detail, context: context)
    }

    /// The answer a submission got, for the same message again: its dossier's receipt, or the
    /// rejection the technical check gives (the check is pure: the same problems again); nothing
    /// is emitted.
    func answerAgain(_ request: SubmissionRequest, context: HandlerContext) throws -> SubmissionOutcome {
        let textProblems = WireText.problems(in: request.submit)
        if textProblems.isEmpty, let stored = try storedReceipts(for: [request], db: context.db)[request.key] {
            guard try Self.same(stored.submission, request.submit) else {
                return .rejected(rejection(of: request, problems: [TechnicalCheck.keyReused]))
            }
            return .existing(stored.receipt)
        }
        let problems = TechnicalCheck.problems(in: request.submit, procedure: catalog.procedure(request.submit.procedureCode, at: context.now),
                                               textProblems: textProblems)
        return .rejected(rejection(of: request, problems: problems))
    }

    /// The same key again is the same submission again only with the same content, compared as
    /// encoded (times at millisecond precision, as stored), not as decoded values, and as kept:
    /// components by their declared size and digest, not their bytes, which intake does not keep.
    static func same(_ earlier: DossierSubmitV1, _ submit: DossierSubmitV1) throws -> Bool {
        try WireJSON.encode(earlier.withoutDocumentBytes) == WireJSON.encode(submit.withoutDocumentBytes)
    }

    /// `dossier.rejected.v1` for a submission with problems; the client submission id is echoed
    /// only when it is itself valid, so an answer never grows with the input.
    private func rejection(of request: SubmissionRequest, problems: [Problem]) -> DossierRejectedV1 {
        let id = request.submit.clientSubmissionId
        return DossierRejectedV1(integrator: request.integrator, clientSubmissionId: WireText.isCleanIdentifier(id) ? id : nil,
                                 problems: problems)
    }

    /// Emits the rejection of a submission with problems.
    private func reject(_ request: SubmissionRequest, problems: [Problem], context: HandlerContext) throws -> DossierRejectedV1 {
        let rejected = rejection(of: request, problems: problems)
        try context.emit(.dossierRejected, subject: nil, data: rejected, causedBy: request.message)
        return rejected
    }

    private func receiveChecked(_ requests: [SubmissionRequest], context: HandlerContext) throws -> [SubmissionOutcome] {
        let db = context.db
        // Identical submissions arriving at two replicas at once: the second waits on this lock,
        // then finds the first's dossier instead of taking a second code.
        try db.execute("SELECT count(pg_advisory_xact_lock(hashtext('intake.submission/' || k))) FROM unnest($1::text[]) AS k",
                       [PostgresArray(Set(requests.map(\.key)).sorted())])
        let stored = try storedReceipts(for: requests, db: db)
        var receipts = stored.mapValues(\.receipt)
        let receivedAt = context.now
        var outcomes: [SubmissionOutcome?] = Array(repeating: nil, count: requests.count)
        var fresh: [(index: Int, request: SubmissionRequest, procedure: ProcedureVersion, officialReceiptAt: Date,
                     calendar: WorkingCalendar)] = []
        var takenInBatch: [String: Int] = [:]
        let calendars = try calendars.calendars(for: Set(requests.map(\.submit.receivingOrganisationCode)), db: db)
        for (index, request) in requests.enumerated() {
            // The same key again is the same submission again, or a mistake the sender must hear of.
            let earlier = stored[request.key]?.submission ?? takenInBatch[request.key].map { requests[$0].submit }
            if let earlier, try !Self.same(earlier, request.submit) {
                outcomes[index] = .rejected(try reject(request, problems: [TechnicalCheck.keyReused], context: context))
                continue
            }
            if let stored = stored[request.key] {
                outcomes[index] = .existing(stored.receipt)
                continue
            }
            if takenInBatch[request.key] != nil { continue }  // a repeat within the batch: answered below
            let calendar = calendars[request.submit.receivingOrganisationCode]!
            let officialReceiptAt: Date
            do {
                officialReceiptAt = try calendar.officialReceiptTime(for: receivedAt)
            } catch {
                throw PermanentFailure(code: "calendar-not-covered", reason: "\(error)")
            }
            // Judged by the procedure version in force when it was submitted (Đ.29.3), not at the
            // official receipt time: a Friday-night dossier keeps the form it was filled on.
            let procedure = catalog.procedure(request.submit.procedureCode, at: receivedAt)
            let problems = TechnicalCheck.problems(in: request.submit, procedure: procedure)
            guard problems.isEmpty, let procedure else {
                outcomes[index] = .rejected(try reject(request, problems: problems, context: context))
                continue
            }
            takenInBatch[request.key] = index
            fresh.append((index, request, procedure, officialReceiptAt, calendar))
        }
        if !fresh.isEmpty {
            let codes = try takeCodes(for: fresh.map(\.request.submit.receivingOrganisationCode), receivedAt: receivedAt, db: db)
            var created: [DossierReceivedV1] = []
            for ((index, request, procedure, officialReceiptAt, calendar), code) in zip(fresh, codes) {
                let s = request.submit
                let deadline = try? procedure.deadline(officialReceiptAt: officialReceiptAt, form: request.submit.form, calendar: calendar)
                var receipt = DossierReceivedV1(
                    dossierCode: code, integrator: request.integrator, clientSubmissionId: s.clientSubmissionId,
                    procedureCode: s.procedureCode, receivingOrganisationCode: s.receivingOrganisationCode,
                    submitter: s.submitter, form: s.form, attachments: s.attachments,
                    receivedAt: receivedAt, officialReceiptAt: officialReceiptAt, deadline: deadline,
                    verificationUrl: verificationURL(code), delegation: s.delegation,
                    resultReferences: s.resultReferences)
                receipt.receiptSecret = Self.newReceiptSecret()
                created.append(receipt)
                receipts[request.key] = receipt
                outcomes[index] = .created(receipt)
                try context.emit(.dossierReceived, subject: code, data: receipt.withoutSecret, causedBy: request.message)
                try context.tellIntegrator(request.integrator, .dossierReceived, subject: code, data: receipt.withoutSecret.withoutDocumentBytes,
                                           causedBy: request.message)
            }
            try insert(created, submissions: fresh.map(\.request.submit), db: db)
        }
        // Repeats within the batch answer with the receipt of the first.
        return requests.enumerated().map { index, request in outcomes[index] ?? .existing(receipts[request.key]!) }
    }

    /// 128 random bits (the system's CSPRNG), hex: not guessable, unlike the dossier code.
    static func newReceiptSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }.hexString
    }

    private func insert(_ receipts: [DossierReceivedV1], submissions: [DossierSubmitV1], db: PostgresConnection) throws {
        guard let first = receipts.first else { return }
        try db.executeDeferred("""
            INSERT INTO dossiers (code, integrator, client_submission_id, procedure_code, receiving_organisation_code,
                                  member_id, received_at, official_receipt_at, submission_key_id, submission_sealed, deadline,
                                  receipt_secret)
            SELECT code, integrator, client_id, procedure, organisation, member, $7::timestamptz, official_receipt_at,
                   $12, sealed, deadline, secret
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $9::bytea[], $10::timestamptz[],
                        $8::timestamptz[], $11::text[])
                AS t(code, integrator, client_id, procedure, organisation, member, sealed, deadline, official_receipt_at, secret)
            """, [PostgresArray(receipts.map(\.dossierCode)), PostgresArray(receipts.map(\.integrator)),
                  PostgresArray(receipts.map(\.clientSubmissionId)), PostgresArray(receipts.map(\.procedureCode)),
                  PostgresArray(receipts.map(\.receivingOrganisationCode)), PostgresArray(receipts.map(\.submitter.memberId)),
                  first.receivedAt, PostgresArray(receipts.map(\.officialReceiptAt)),
                  PostgresArray(try zip(receipts, submissions).map { receipt, submission in
                      ByteA(try content.seal(submission.withoutDocumentBytes, context: SealedColumn.submissionContext(receipt.dossierCode)).bytes)
                  }),
                  PostgresArray(receipts.map { $0.deadline?.postgresText }), PostgresArray(receipts.map(\.receiptSecret)),
                  content.cipher.currentKeyId])
        try db.executeDeferred("""
            INSERT INTO dossier_events (message_id, dossier_code, event_type, occurred_at, summary, status)
            SELECT 'received:' || code, code, $2, $3::timestamptz, $4, $5 FROM unnest($1::text[]) AS code
            """, [PostgresArray(receipts.map(\.dossierCode)), MessageType.dossierReceived.routingKey, first.receivedAt,
                  TimelineHandler.receivedSummary, PublicDossierStatus.received.rawValue])
        // A delegated submission says so in the dossier's history (Đ.11: recorded on the dossier).
        let delegated = receipts.filter { $0.delegation != nil }
        if !delegated.isEmpty {
            try db.executeDeferred("""
                INSERT INTO dossier_events (message_id, dossier_code, event_type, occurred_at, summary)
                SELECT 'delegated:' || code, code, 'dossier.delegated', $2::timestamptz, summary
                FROM unnest($1::text[], $3::text[]) AS t(code, summary)
                """, [PostgresArray(delegated.map(\.dossierCode)), first.receivedAt,
                      PostgresArray(delegated.map { TimelineHandler.delegatedSummary($0.delegation!) })])
        }
    }

    /// Receipts of dossiers already created for these submissions, by submission key.
    private func storedReceipts(for requests: [SubmissionRequest], db: PostgresConnection)
        throws -> [String: (receipt: DossierReceivedV1, submission: DossierSubmitV1)] {
        let rows = try db.execute("""
            SELECT d.integrator, d.code, \(SealedColumn.submission.select(prefix: "d.")), d.receipt_secret,
                   \(rfc3339SQL("d.received_at")) AS received_at,
                   \(rfc3339SQL("d.official_receipt_at")) AS official_receipt_at,
                   \(rfc3339SQL("d.deadline")) AS deadline
            FROM dossiers d JOIN unnest($1::text[], $2::text[]) AS k(integrator, client_id)
              ON d.integrator = k.integrator AND d.client_submission_id = k.client_id
            """, [PostgresArray(requests.map(\.integrator)), PostgresArray(requests.map(\.submit.clientSubmissionId))])
        var receipts: [String: (receipt: DossierReceivedV1, submission: DossierSubmitV1)] = [:]
        for row in rows.rows {
            let s = try content.open(DossierSubmitV1.self, row: row, in: .submission,
                                     context: SealedColumn.submissionContext(try row.string("code")))
            let integrator = try row.string("integrator")
            var receipt = DossierReceivedV1(
                dossierCode: try row.string("code"), integrator: integrator, clientSubmissionId: s.clientSubmissionId,
                procedureCode: s.procedureCode, receivingOrganisationCode: s.receivingOrganisationCode,
                submitter: s.submitter, form: s.form, attachments: s.attachments,
                receivedAt: WireJSON.parseTimestamp(try row.string("received_at")) ?? Date(),
                officialReceiptAt: WireJSON.parseTimestamp(try row.string("official_receipt_at")) ?? Date(),
                deadline: try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp),
                verificationUrl: verificationURL(try row.string("code")), delegation: s.delegation,
                resultReferences: s.resultReferences)
            receipt.receiptSecret = try row.string("receipt_secret")
            receipts["\(integrator)\u{1f}\(s.clientSubmissionId)"] = (receipt, s)
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
