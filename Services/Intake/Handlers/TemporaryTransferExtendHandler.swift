import Contracts
import Foundation
import Persistence
import ServiceKit

/// `temporary-transfer.extend.v1`: the member, through the integrator that submitted a temporary
/// transfer (chuyển sinh hoạt đảng tạm thời), asks the temporary committee for a longer period.
/// Intake checks who asks, that the dossier is a temporary transfer already decided and that a
/// reason is given, records the request once per request id and emits
/// `temporary-transfer.extension-requested.v1`, answering `reply_to` with it; routing, which holds
/// the transfer, judges it against the period in force and puts it before the temporary committee.
struct TemporaryTransferExtendHandler: DossierCommandHandler {
    let tables = ["extension_requests", "dossier_events"]
    let messageType = MessageType.temporaryTransferExtend
    let acknowledgementType = MessageType.temporaryTransferExtensionRequested

    /// Statuses of a decided dossier: only an approved one has a transfer to extend.
    static let decided: Set<PublicDossierStatus> = [.decided, .resultIssued]

    typealias Answer = DossierCommands.Answer<TemporaryTransferExtensionRequestedV1>

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let integrator = try Integrators.verifiedSenders(of: [message], db: context.db)[0]
        let request = try message.decode(TemporaryTransferExtendV1.self).data
        let (answer, memberId) = try judge(request, integrator: integrator, db: context.db)
        IntakeAudit.command(messageType.routingKey, integrator: integrator, message: message, code: request.dossierCode, memberId: memberId,
                            answer: answer, context: context)
        guard case .new = answer, let memberId else {
            return try reply(answer, to: message, command: request, integrator: integrator, emitRejection: true, context: context)
        }
        let requested = TemporaryTransferExtensionRequestedV1(
            dossierCode: request.dossierCode, memberId: memberId, integrator: integrator,
            clientSubmissionId: request.clientSubmissionId, months: request.months, reason: request.trimmedReason,
            requestedAt: context.now)
        // The dossier stays decided; routing answers with the transfer's own events.
        try accept(requested, in: "extension_requests", command: request, integrator: integrator,
                   timeline: ("extend", "Đã nhận đề nghị gia hạn sinh hoạt đảng tạm thời.",
                              ["months": String(requested.months), "reason": requested.reason]),
                   message: message, context: context)
    }

    func answer(_ request: TemporaryTransferExtendV1, integrator: String, db: PostgresConnection) throws -> Answer {
        try judge(request, integrator: integrator, db: db).0
    }

    /// The answer, and for a new request the member whose transfer it is.
    func judge(_ request: TemporaryTransferExtendV1, integrator: String, db: PostgresConnection) throws -> (Answer, String?) {
        let textProblems = WireText.problems(in: request)
        if !textProblems.isEmpty { return (.rejected(textProblems), nil) }
        if let earlier = try DossierCommands.recorded(TemporaryTransferExtensionRequestedV1.self, in: "extension_requests",
                                                      integrator: integrator, clientSubmissionId: request.clientSubmissionId, db: db) {
            guard earlier.dossierCode == request.dossierCode, earlier.months == request.months,
                  earlier.reason == request.trimmedReason else {
                return (.rejected([TechnicalCheck.keyReused]), nil)
            }
            return (.earlier(earlier), nil)
        }
        try DossierCommands.lock(request.dossierCode, db: db)
        guard let dossier = try db.execute("""
            SELECT integrator, procedure_code, member_id, \(PublicDossierStatus.currentSQL(of: "dossiers.code")) AS status,
                   (SELECT e.details->>'decision' FROM dossier_events e WHERE e.dossier_code = dossiers.code AND e.event_type = $2
                    ORDER BY e.occurred_at DESC LIMIT 1) AS decision
            FROM dossiers WHERE code = $1
            """, [request.dossierCode, MessageType.dossierDecided.routingKey]).first, try dossier.string("integrator") == integrator else {
            return (.rejected([DossierCommands.unknownDossier(request.dossierCode)]), nil)
        }
        var problems: [Problem] = []
        // Approved: routing opened the transfer in the transaction that announced the decision.
        let decided = try dossier.optionalValue(PublicDossierStatus.self, "status").map { Self.decided.contains($0) } ?? false
            && dossier.optionalString("decision") == DossierDecidedV1.Decision.approved.rawValue
        if try dossier.string("procedure_code") != ProcedureCode.temporaryTransfer || !decided {
            problems.append(Problem(code: "not-a-temporary-transfer-in-force", path: "$.data.dossierCode",
                                    message: "Hồ sơ \(request.dossierCode) không phải hồ sơ chuyển sinh hoạt đảng tạm thời đã được giải quyết nên không thể gia hạn."))
        }
        if !(1...24).contains(request.months) {
            problems.append(Problem(code: "extension-months-out-of-range", path: "$.data.months",
                                    message: "Số tháng gia hạn phải từ 1 đến 24."))
        }
        if request.trimmedReason.isEmpty {
            problems.append(Problem(code: "extension-reason-required", path: "$.data.reason",
                                    message: "Đề nghị gia hạn phải nêu lý do."))
        }
        return problems.isEmpty ? (.new, try dossier.string("member_id")) : (.rejected(problems), nil)
    }
}
