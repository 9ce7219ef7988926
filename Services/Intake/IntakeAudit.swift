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

    /// A command on an existing dossier or PAKN item (amend, withdraw, rate, extend, follow up): the
    /// code it names, taken or refused with its problems. Named from the checked command, never
    /// from the envelope's subject.
    static func command<Acknowledgement>(_ action: String, integrator: String, message: IncomingMessage?, code: String,
                                         memberId: String? = nil, answer: DossierCommands.Answer<Acknowledgement>,
                                         context: HandlerContext) {
        var rejected: DossierRejectedV1?
        if case .rejected(let problems) = answer { rejected = DossierRejectedV1(integrator: integrator, clientSubmissionId: nil, problems: problems) }
        received(action, integrator: integrator, message: message, code: String(code.prefix(64)), memberId: memberId, rejected: rejected,
                 detail: "taken", context: context)
    }
}
