import Contracts
import ServiceKit

/// Intake's audit entries for what integrators hand in (issue 21): the integrator (verified by
/// the broker or by its token) gave a member's data; received, or rejected with its problems.
/// Over AMQP the message's own entry says so (`noteAudit`); over HTTP an entry of its own.
enum IntakeAudit {
    static func received(_ action: String, integrator: String, message: IncomingMessage?, code: String?, memberId: String?,
                         rejected: DossierRejectedV1?, detail: String, context: HandlerContext) {
        let memberId = memberId.map { String($0.prefix(64)) }
        let detail = rejected.map { "rejected: " + $0.problems.prefix(5).map(\.code).joined(separator: ",") } ?? detail
        if let message {
            context.noteAudit(of: message, dossierCode: code, memberId: memberId, detail: detail, allowed: rejected == nil)
        } else {
            context.audit(AuditEntry(at: context.now, actorKind: .integrator, actorId: integrator, action: action, dossierCode: code,
                                     memberId: memberId, allowed: rejected == nil, detail: detail, origin: "http"))
        }
    }
}
