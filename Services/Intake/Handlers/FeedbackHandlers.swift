import Contracts
import Foundation
import Persistence
import ServiceKit

/// `feedback.submit.v1` over AMQP → the feedback desk; answers `reply_to` with the receipt
/// (`feedback.received.v1`) or the rejection listing every problem (`dossier.rejected.v1`).
struct FeedbackSubmitHandler: MessageHandler {
    let tables = ["feedback", "feedback_sequences"]
    let messageType = MessageType.feedbackSubmit
    let desk: FeedbackDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let submit = try message.decode(FeedbackSubmitV1.self).data
        try reply(try desk.receive(submit, integrator: integrator, message: message, context: context), to: message, context: context)
    }

    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {
        guard message.replyTo != nil else { return }
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let submit = try message.decode(FeedbackSubmitV1.self).data
        try reply(try desk.answerAgain(submit, integrator: integrator, db: context.db), to: message, context: context)
    }

    private func reply(_ outcome: FeedbackOutcome, to message: IncomingMessage, context: HandlerContext) throws {
        switch outcome {
        case .created(let receipt), .existing(let receipt):
            try context.reply(to: message, .feedbackReceived, subject: receipt.paknCode, data: receipt)
        case .rejected(let rejected):
            try context.reply(to: message, .dossierRejected, subject: nil, data: rejected)
        }
    }
}

/// `feedback.follow-up.v1`: the sender, through the integrator that submitted the item, withdraws,
/// clarifies, rates or appeals. Intake checks who asks, that the item exists and what the action
/// needs (a text, a rating from 1 to 5), records it once per request id and emits
/// `feedback.follow-up-received.v1`; routing, which holds the item, applies or refuses it.
struct FeedbackFollowUpHandler: MessageHandler {
    let tables = ["feedback_follow_ups"]
    let messageType = MessageType.feedbackFollowUp

    typealias Answer = DossierCommands.Answer<FeedbackFollowUpReceivedV1>

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let request = try message.decode(FeedbackFollowUpV1.self).data
        _ = try Self.take(request, integrator: integrator, message: message, context: context)
    }

    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {
        guard message.replyTo != nil else { return }
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let request = try message.decode(FeedbackFollowUpV1.self).data
        try Self.reply(try Self.judge(request, integrator: integrator, db: context.db), to: message, request: request,
                       integrator: integrator, emitRejection: false, context: context)
    }

    /// Judges, records and emits a follow-up (AMQP or HTTP); answers `reply_to` when there is a message.
    static func take(_ request: FeedbackFollowUpV1, integrator: String, message: IncomingMessage?,
                     context: HandlerContext) throws -> Answer {
        let answer = try judge(request, integrator: integrator, db: context.db)
        IntakeAudit.command("follow-up-feedback", integrator: integrator, message: message, code: request.paknCode, answer: answer,
                            context: context)
        guard case .new = answer else {
            if let message {
                try reply(answer, to: message, request: request, integrator: integrator, emitRejection: true, context: context)
            } else if case let .rejected(problems) = answer {
                try context.emit(.dossierRejected, subject: DossierCommands.subject(request.paknCode),
                                 data: DossierRejectedV1(integrator: integrator, clientSubmissionId: request.clientSubmissionId,
                                                         problems: problems), causedBy: nil)
            }
            return answer
        }
        let received = FeedbackFollowUpReceivedV1(
            paknCode: request.paknCode, integrator: integrator, clientSubmissionId: request.clientSubmissionId, action: request.action,
            text: request.text?.trimmingCharacters(in: .whitespacesAndNewlines), rating: request.rating, receivedAt: context.now)
        try context.db.execute("""
            INSERT INTO feedback_follow_ups (integrator, client_submission_id, pakn_code, requested_at, request)
            VALUES ($1, $2, $3, $4::timestamptz, $5::jsonb)
            """, [integrator, request.clientSubmissionId, request.paknCode, context.now, try JSONText(received)])
        try context.emit(.feedbackFollowUpReceived, subject: request.paknCode, data: received, causedBy: message)
        if let message { try context.reply(to: message, .feedbackFollowUpReceived, subject: request.paknCode, data: received) }
        return .earlier(received)
    }

    static func judge(_ request: FeedbackFollowUpV1, integrator: String, db: PostgresConnection) throws -> Answer {
        let textProblems = WireText.problems(in: request)
        if !textProblems.isEmpty { return .rejected(textProblems) }
        // The same request id sent twice at once: the second waits, then finds the first recorded.
        try db.execute("SELECT pg_advisory_xact_lock(hashtext('intake.feedback-follow-up/' || $1))",
                       ["\(integrator)\u{1f}\(request.clientSubmissionId)"])
        if let earlier = try DossierCommands.recorded(FeedbackFollowUpReceivedV1.self, in: "feedback_follow_ups", integrator: integrator,
                                                      clientSubmissionId: request.clientSubmissionId, db: db) {
            guard earlier.paknCode == request.paknCode, earlier.action == request.action, earlier.rating == request.rating,
                  earlier.text == request.text?.trimmingCharacters(in: .whitespacesAndNewlines) else {
                return .rejected([TechnicalCheck.keyReused])
            }
            return .earlier(earlier)
        }
        guard let item = try db.execute("SELECT duplicate_of FROM feedback WHERE code = $1 AND integrator = $2",
                                        [request.paknCode, integrator]).first else {
            return .rejected([Problem(code: "unknown-feedback", path: "$.data.paknCode",
                                      message: "Không tìm thấy phản ánh, kiến nghị \(WireText.quote(request.paknCode)) do hệ thống của quý vị gửi.")])
        }
        // A duplicate is not handled on its own: the sender follows up on the first item.
        if let first = try item.optionalString("duplicate_of") {
            return .rejected([Problem(code: "feedback-linked", path: "$.data.paknCode",
                                      message: "Phản ánh, kiến nghị \(request.paknCode) trùng với \(first) và được giải quyết cùng \(first); hãy gửi yêu cầu cho \(first).")])
        }
        var problems: [Problem] = []
        let text = request.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        switch request.action {
        case .rate:
            if !(1...5).contains(request.rating ?? 0) {
                problems.append(Problem(code: "feedback-rating-out-of-range", path: "$.data.rating",
                                        message: "Mức đánh giá là một số từ 1 (rất không hài lòng) đến 5 (rất hài lòng)."))
            }
        case .clarify, .appeal, .withdraw:
            if text.isEmpty {
                problems.append(Problem(code: "feedback-text-required", path: "$.data.text",
                                        message: request.action == .clarify ? "Phải có nội dung làm rõ."
                                            : "Phải nêu lý do \(request.action == .appeal ? "đề nghị xem xét lại" : "rút phản ánh, kiến nghị")."))
            }
        }
        return problems.isEmpty ? .new : .rejected(problems)
    }

    static func reply(_ answer: Answer, to message: IncomingMessage, request: FeedbackFollowUpV1, integrator: String,
                      emitRejection: Bool, context: HandlerContext) throws {
        try DossierCommands.reply(answer, as: .feedbackFollowUpReceived, to: message, dossierCode: request.paknCode,
                                  clientSubmissionId: request.clientSubmissionId, integrator: integrator,
                                  emitRejection: emitRejection, context: context)
    }
}

/// Keeps each PAKN item's public status and timeline from routing's `feedback.updated.v1`,
/// publishes the answers the organisation chose to publish, and passes each update on to the
/// integrator that submitted the item (its feed). One row per message id, ON CONFLICT DO NOTHING;
/// the status and the answer change only with a new row, and never back to an older update (the
/// update's `revision`, counted by routing, orders them).
struct FeedbackTimelineHandler: MessageHandler {
    let tables = ["feedback_events", "feedback", "published_answers"]
    let messageType = MessageType.feedbackUpdated
    var idempotentByMessageId: Bool { true }

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let update = try message.decode(FeedbackUpdatedV1.self).data
        var details: [String: String] = ["organisationCode": update.organisationCode]
        details["reason"] = update.reason
        details["answer"] = update.answer
        details["refusalCode"] = update.refusalCode
        details["answerDue"] = update.answerDue.map(\.postgresText)
        guard let integrator = try context.db.execute("""
            WITH added AS (
                INSERT INTO feedback_events (message_id, pakn_code, change, status, occurred_at, details)
                SELECT $1, code, $3, $4, $5::timestamptz, $6::jsonb FROM feedback WHERE code = $2
                ON CONFLICT (message_id) DO NOTHING RETURNING pakn_code),
            moved AS (
                UPDATE feedback f SET status = $4, status_at = $5::timestamptz, answer_due = $7::timestamptz, revision = $8
                FROM added WHERE f.code = added.pakn_code AND f.revision < $8 RETURNING f.code)
            SELECT f.integrator FROM added JOIN feedback f ON f.code = added.pakn_code
            """, [message.id, update.paknCode, update.change.rawValue, update.status.rawValue, update.at, try JSONText(details),
                  update.answerDue, update.revision]).first.map({ try $0.string("integrator") }) else { return }
        if update.change == .answered, update.published != true {
            // An answer replaced (after an appeal) by one not published: the old one is withdrawn from view.
            try context.db.executeDeferred("DELETE FROM published_answers WHERE pakn_code = $1 AND answered_at <= $2::timestamptz",
                                           [update.paknCode, update.at])
        }
        if update.change == .answered, update.published == true, let answer = update.answer {
            try context.db.executeDeferred("""
                INSERT INTO published_answers (pakn_code, kind, topic, title, answer, organisation_code, answered_at, folded)
                VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8)
                ON CONFLICT (pakn_code) DO UPDATE SET answer = excluded.answer, organisation_code = excluded.organisation_code,
                    answered_at = excluded.answered_at, folded = excluded.folded
                WHERE published_answers.answered_at <= excluded.answered_at
                """, [update.paknCode, update.kind.rawValue, update.topic, update.title, answer, update.organisationCode, update.at,
                      FeedbackSimilarity.words("\(update.title) \(answer)").joined(separator: " ")])
        }
        try context.forwardToIntegrator(integrator, message)
    }
}
