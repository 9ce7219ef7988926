import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.withdraw.v1`: the submitter's integrator withdraws (rút) a dossier before any decision.
/// Intake checks who asks and that the dossier is still open, records the request once per dossier
/// and emits `dossier.withdrawal-requested.v1`, answering `reply_to` with it; validation or routing,
/// whichever holds the dossier, then closes it and emits `dossier.withdrawn.v1`. A repeat of the
/// request (any client id) gets the first request's answer; nothing is emitted twice.
struct DossierWithdrawHandler: DossierCommandHandler {
    let tables = ["withdrawals", "dossier_events"]
    let messageType = MessageType.dossierWithdraw
    let acknowledgementType = MessageType.dossierWithdrawalRequested

    /// Statuses after which nothing can be withdrawn.
    static let closed: Set<PublicDossierStatus> = [.refused, .decided, .withdrawn, .resultIssued, .resultRevoked]

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        // The dossier is withdrawn when its holder says so.
        try take(message, in: "withdrawals", context: context,
                 timeline: { ("withdraw", "Đã nhận yêu cầu rút hồ sơ.", ["reason": $0.trimmedReason]) }) { request, integrator in
            DossierWithdrawalRequestedV1(dossierCode: request.dossierCode, integrator: integrator, clientSubmissionId: request.clientSubmissionId,
                                         reason: request.trimmedReason, requestedAt: context.now)
        }
    }

    /// Withdrawal already requested for this dossier (`earlier`): its answer again.
    typealias Answer = DossierCommands.Answer<DossierWithdrawalRequestedV1>

    func answer(_ request: DossierWithdrawV1, integrator: String, db: PostgresConnection) throws -> Answer {
        let textProblems = WireText.problems(in: request)
        if !textProblems.isEmpty { return .rejected(textProblems) }
        if let earlier = try DossierCommands.recorded(DossierWithdrawalRequestedV1.self, in: "withdrawals", integrator: integrator,
                                                      clientSubmissionId: request.clientSubmissionId, db: db) {
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
