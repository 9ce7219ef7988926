import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.withdraw.v1`: the submitter's integrator withdraws (rút) a dossier before any decision.
/// Intake checks who asks and that the dossier is still open, records the request once per dossier
/// and emits `dossier.withdrawal-requested.v1`, answering `reply_to` with it; validation or routing,
/// whichever holds the dossier, then closes it and emits `dossier.withdrawn.v1`. A repeat of the
/// request (any client id) gets the first request's answer; nothing is emitted twice.
struct DossierWithdrawHandler: MessageHandler {
    let tables = ["withdrawals", "dossier_events"]
    let messageType = MessageType.dossierWithdraw

    /// Statuses after which nothing can be withdrawn.
    static let closed: Set<PublicDossierStatus> = [.refused, .decided, .withdrawn, .resultIssued, .resultRevoked]

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let request = try message.decode(DossierWithdrawV1.self).data
        let answer = try answer(request, integrator: integrator, db: context.db)
        guard case .new = answer else {
            return try reply(answer, to: message, request: request, integrator: integrator, emitRejection: true, context: context)
        }
        let requested = DossierWithdrawalRequestedV1(
            dossierCode: request.dossierCode, integrator: integrator, clientSubmissionId: request.clientSubmissionId,
            reason: request.trimmedReason, requestedAt: context.now)
        try context.db.execute("""
            INSERT INTO withdrawals (integrator, client_submission_id, dossier_code, requested_at, request)
            VALUES ($1, $2, $3, $4::timestamptz, $5::jsonb)
            """, [integrator, request.clientSubmissionId, request.dossierCode, context.now, try JSONText(requested)])
        // On the timeline without a status of its own: the dossier is withdrawn when its holder says so.
        try context.db.execute("""
            INSERT INTO dossier_events (message_id, dossier_code, event_type, occurred_at, summary, details)
            VALUES ($1, $2, $3, $4::timestamptz, $5, $6::jsonb)
            """, ["withdraw:\(integrator):\(request.clientSubmissionId)", request.dossierCode,
                  MessageType.dossierWithdrawalRequested.routingKey, context.now, "Đã nhận yêu cầu rút hồ sơ.",
                  try JSONText(["reason": requested.reason])])
        try context.emit(.dossierWithdrawalRequested, subject: request.dossierCode, data: requested, causedBy: message)
        try context.reply(to: message, .dossierWithdrawalRequested, subject: request.dossierCode, data: requested)
    }

    /// The same message again: the answer it would get now (nothing is emitted again).
    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {
        guard message.replyTo != nil else { return }
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let request = try message.decode(DossierWithdrawV1.self).data
        try reply(try answer(request, integrator: integrator, db: context.db), to: message, request: request,
                  integrator: integrator, emitRejection: false, context: context)
    }

    /// Answers with the earlier request or the rejection; a first rejection is also an event.
    private func reply(_ answer: Answer, to message: IncomingMessage, request: DossierWithdrawV1, integrator: String,
                       emitRejection: Bool, context: HandlerContext) throws {
        switch answer {
        case let .earlier(requested):
            try context.reply(to: message, .dossierWithdrawalRequested, subject: requested.dossierCode, data: requested)
        case let .rejected(problems):
            let rejected = DossierRejectedV1(integrator: integrator, clientSubmissionId: request.clientSubmissionId, problems: problems)
            let subject = DossierCommands.subject(request.dossierCode)
            if emitRejection { try context.emit(.dossierRejected, subject: subject, data: rejected, causedBy: message) }
            try context.reply(to: message, .dossierRejected, subject: subject, data: rejected)
        case .new:
            break  // a repeat: the first delivery recorded it
        }
    }

    enum Answer {
        case new
        /// Withdrawal already requested for this dossier: its answer again.
        case earlier(DossierWithdrawalRequestedV1)
        case rejected([Problem])
    }

    func answer(_ request: DossierWithdrawV1, integrator: String, db: PostgresConnection) throws -> Answer {
        let textProblems = WireText.problems(in: request)
        if !textProblems.isEmpty { return .rejected(textProblems) }
        if let stored = try db.execute("""
            SELECT request::text AS request FROM withdrawals WHERE integrator = $1 AND client_submission_id = $2
            """, [integrator, request.clientSubmissionId]).first {
            let earlier = try stored.json(DossierWithdrawalRequestedV1.self, "request")
            guard earlier.dossierCode == request.dossierCode,
                  earlier.reason == request.trimmedReason else {
                return .rejected([TechnicalCheck.keyReused])
            }
            return .earlier(earlier)
        }
        try DossierCommands.lock(request.dossierCode, db: db)
        guard let dossier = try db.execute("""
            SELECT integrator, \(PublicDossierStatus.currentSQL(of: "dossiers.code")) AS status,
                   (SELECT w.request::text FROM withdrawals w WHERE w.dossier_code = dossiers.code) AS earlier
            FROM dossiers WHERE code = $1
            """, [request.dossierCode]).first, try dossier.string("integrator") == integrator else {
            return .rejected([DossierCommands.unknownDossier(request.dossierCode)])
        }
        if let earlier = try dossier.optionalJSON(DossierWithdrawalRequestedV1.self, "earlier") { return .earlier(earlier) }
        if let status = try dossier.optionalValue(PublicDossierStatus.self, "status"), Self.closed.contains(status) {
            return .rejected([Problem(code: "not-withdrawable", path: "$.data.dossierCode",
                                      message: "Hồ sơ \(request.dossierCode) đã có kết quả, đã bị từ chối hoặc đã được rút nên không thể rút.")])
        }
        if request.trimmedReason.isEmpty {
            return .rejected([Problem(code: "withdrawal-reason-required", path: "$.data.reason",
                                      message: "Yêu cầu rút hồ sơ phải nêu lý do.")])
        }
        return .new
    }
}

private extension DossierWithdrawV1 {
    /// The reason as recorded and compared (surrounding spaces are not the member's words).
    var trimmedReason: String { reason.trimmingCharacters(in: .whitespacesAndNewlines) }
}
