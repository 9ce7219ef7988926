import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

/// What became of one PAKN submission.
enum FeedbackOutcome: Sendable {
    case created(FeedbackReceivedV1)
    /// The same integrator and request id again: the first receipt.
    case existing(FeedbackReceivedV1)
    case rejected(DossierRejectedV1)
}

/// The front desk for feedback and petitions (PAKN, Đ.38), shared by the AMQP handler and the HTTP
/// edge: idempotency, the checks (every problem listed), the duplicate rule (Quy chế 03 Đ.5.7,
/// 8.4: `FeedbackSimilarity` against the sender's items of the window), the PAKN code and the
/// receipt, which it keeps sealed and emits as `feedback.received.v1`.
struct FeedbackDesk: Sendable {
    let rules: FeedbackRules
    let content: SealedContent
    /// Base of the public status desk (TTHC_PUBLIC_BASE_URL).
    let publicBaseURL: String

    func statusURL(_ code: String) -> String { "\(publicBaseURL)/v1/feedback/\(code)" }

    func receive(_ submit: FeedbackSubmitV1, integrator: String, message: IncomingMessage?, context: HandlerContext) throws -> FeedbackOutcome {
        let outcome = try decide(submit, integrator: integrator, message: message, context: context)
        let (code, rejected): (String?, DossierRejectedV1?) = switch outcome {
        case .created(let receipt), .existing(let receipt): (receipt.paknCode, nil)
        case .rejected(let rejected): (nil, rejected)
        }
        IntakeAudit.received("submit-feedback", integrator: integrator, message: message, code: code, memberId: submit.sender.memberId,
                             rejected: rejected, detail: "received \(submit.kind.rawValue)", context: context)
        return outcome
    }

    private func decide(_ submit: FeedbackSubmitV1, integrator: String, message: IncomingMessage?, context: HandlerContext) throws -> FeedbackOutcome {
        let db = context.db
        let key = "\(integrator)\u{1f}\(submit.clientSubmissionId)"
        let wire = WireText.problems(in: submit)
        if !wire.isEmpty {
            // Every problem at once: the wire limits', and the rules' on the other fields.
            let paths = Set(wire.map(\.path))
            let problems = wire + (try checks(submit, db: db)).filter { !paths.contains($0.path) }
            return .rejected(try reject(submit, integrator: integrator, problems: problems, message: message, context: context))
        }
        try db.execute("SELECT pg_advisory_xact_lock(hashtext('intake.feedback/' || $1))", [key])
        if let earlier = try stored(integrator: integrator, clientSubmissionId: submit.clientSubmissionId, db: db) {
            guard Self.sameSubmission(earlier, submit) else {
                return .rejected(try reject(submit, integrator: integrator, problems: [TechnicalCheck.keyReused], message: message,
                                            context: context))
            }
            return .existing(earlier)
        }
        let problems = try checks(submit, db: db)
        if !problems.isEmpty {
            return .rejected(try reject(submit, integrator: integrator, problems: problems, message: message, context: context))
        }
        // One sender's items in turn, so that two copies sent at once are found duplicates.
        try db.execute("SELECT pg_advisory_xact_lock(hashtext('intake.feedback-sender/' || $1))",
                       ["\(submit.sender.kind.rawValue)/\(submit.sender.id)"])
        let shingles = FeedbackSimilarity.shingles("\(submit.title)\n\(submit.text)", words: rules.duplicates.shingleWords)
        let duplicateOf = try firstSimilar(to: shingles, sender: submit.sender, now: context.now, db: db)
        let year = VietnamTime.components(context.now).year ?? 2026
        let number = try db.execute("""
            INSERT INTO feedback_sequences (year, last) VALUES ($1, 1)
            ON CONFLICT (year) DO UPDATE SET last = feedback_sequences.last + 1 RETURNING last
            """, [year]).first!.int("last")
        let code = "PAKN.\(year).\(String(format: "%06d", number))"
        let receipt = FeedbackReceivedV1(
            paknCode: code, integrator: integrator, clientSubmissionId: submit.clientSubmissionId, sender: submit.sender,
            kind: submit.kind, system: submit.system, topic: submit.topic,
            title: submit.title.trimmingCharacters(in: .whitespacesAndNewlines), text: submit.text,
            publicationConsent: submit.publicationConsent, attachments: submit.attachments ?? [], receivedAt: context.now,
            duplicateOf: duplicateOf, statusURL: statusURL(code))
        let sealed = try content.seal(receipt, context: SealedColumn.feedbackReceiptContext(code))
        try db.executeDeferred("""
            INSERT INTO feedback (code, integrator, client_submission_id, sender_kind, sender_id, received_at, receipt_key_id,
                                  receipt_sealed, shingles, duplicate_of, status, status_at)
            VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7, $8, $9::bigint[], $10, $11, $6::timestamptz)
            """, [code, integrator, submit.clientSubmissionId, submit.sender.kind.rawValue, submit.sender.id, context.now,
                  sealed.keyId, ByteA(sealed.bytes), PostgresArray(shingles.sorted().map(String.init)), duplicateOf,
                  (duplicateOf == nil ? FeedbackStatus.received : .linked).rawValue])
        try context.emit(.feedbackReceived, subject: code, data: receipt, causedBy: message)
        return .created(receipt)
    }

    /// The answer a submission got, for the same message again (nothing emitted again).
    func answerAgain(_ submit: FeedbackSubmitV1, integrator: String, db: PostgresConnection) throws -> FeedbackOutcome {
        if let earlier = try stored(integrator: integrator, clientSubmissionId: submit.clientSubmissionId, db: db) {
            return Self.sameSubmission(earlier, submit) ? .existing(earlier) : .rejected(rejection(submit, integrator: integrator,
                                                                                                 problems: [TechnicalCheck.keyReused]))
        }
        var problems = WireText.problems(in: submit)
        if problems.isEmpty { problems = try checks(submit, db: db) }
        return .rejected(rejection(submit, integrator: integrator, problems: problems.isEmpty ? [Self.notTaken] : problems))
    }

    /// A message seen before that left no item, though it would pass now (its organisation has
    /// been registered since): the sender sends it again under a new id.
    static let notTaken = Problem(code: "feedback-not-taken", path: "$.data.clientSubmissionId",
                                  message: "Phản ánh, kiến nghị này chưa được tiếp nhận; hãy gửi lại với mã mới.")

    /// The rules' problems and an organisation the registry does not know.
    func checks(_ submit: FeedbackSubmitV1, db: PostgresConnection) throws -> [Problem] {
        var problems = rules.problems(in: submit)
        if try db.execute("SELECT 1 FROM organisation_hours WHERE code = $1", [submit.sender.organisationCode]).first == nil {
            problems.append(Problem(code: "unknown-organisation", path: "$.data.sender.organisationCode",
                                    message: "Không có tổ chức đảng mã \(WireText.quote(submit.sender.organisationCode))."))
        }
        return problems
    }

    /// The earliest item of the same sender within the window, not itself a duplicate and not
    /// withdrawn or refused, whose text is substantially the same.
    func firstSimilar(to shingles: Set<Int64>, sender: FeedbackSender, now: Date, db: PostgresConnection) throws -> String? {
        let since = now.addingTimeInterval(-Double(rules.duplicates.windowDays) * 86_400)
        for row in try db.execute("""
            SELECT code, shingles::text AS shingles FROM feedback
            WHERE sender_kind = $1 AND sender_id = $2 AND received_at >= $3::timestamptz AND duplicate_of IS NULL
              AND status <> ALL($4::text[])
            ORDER BY received_at, code
            """, [sender.kind.rawValue, sender.id, since,
                  PostgresArray([FeedbackStatus.withdrawn.rawValue, FeedbackStatus.refused.rawValue])]).rows {
            let earlier = Set(try row.string("shingles").trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
                .split(separator: ",").compactMap { Int64($0) })
            if FeedbackSimilarity.similarity(shingles, earlier) >= rules.duplicates.minimumSimilarity { return try row.string("code") }
        }
        return nil
    }

    func stored(integrator: String, clientSubmissionId: String, db: PostgresConnection) throws -> FeedbackReceivedV1? {
        guard let row = try db.execute("""
            SELECT code, \(SealedColumn.feedbackReceipt.select()) FROM feedback WHERE integrator = $1 AND client_submission_id = $2
            """, [integrator, clientSubmissionId]).first else { return nil }
        return try content.open(FeedbackReceivedV1.self, row: row, in: .feedbackReceipt,
                                context: SealedColumn.feedbackReceiptContext(try row.string("code")))
    }

    static func sameSubmission(_ receipt: FeedbackReceivedV1, _ submit: FeedbackSubmitV1) -> Bool {
        receipt.sender == submit.sender && receipt.kind == submit.kind && receipt.system == submit.system && receipt.topic == submit.topic
            && receipt.title == submit.title.trimmingCharacters(in: .whitespacesAndNewlines) && receipt.text == submit.text
            && receipt.publicationConsent == submit.publicationConsent && receipt.attachments == (submit.attachments ?? [])
    }

    private func rejection(_ submit: FeedbackSubmitV1, integrator: String, problems: [Problem]) -> DossierRejectedV1 {
        let id = submit.clientSubmissionId
        return DossierRejectedV1(integrator: integrator, clientSubmissionId: WireText.isCleanIdentifier(id) ? id : nil, problems: problems)
    }

    private func reject(_ submit: FeedbackSubmitV1, integrator: String, problems: [Problem], message: IncomingMessage?,
                        context: HandlerContext) throws -> DossierRejectedV1 {
        let rejected = rejection(submit, integrator: integrator, problems: problems)
        try context.emit(.dossierRejected, subject: nil, data: rejected, causedBy: message)
        return rejected
    }
}

/// The receipt of each PAKN item, sealed at rest like the dossiers' submissions.
extension SealedColumn {
    static let feedbackReceipt = SealedColumn(table: "feedback", sealed: "receipt_sealed", keyId: "receipt_key_id",
                                              contextSQL: "'intake.feedback:' || code")

    static func feedbackReceiptContext(_ code: String) -> String { "intake.feedback:\(code)" }
}
