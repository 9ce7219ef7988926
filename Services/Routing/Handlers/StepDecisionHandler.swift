import Contracts
import Foundation
import Persistence
import RoutingRules
import ServiceKit

/// `dossier.step-decided.v1` published on `tthc.intake` by an organisation's own software (Đ.22):
/// accepted only from the organisation's registered software user, for its own current step.
/// A decision that cannot apply is dead-lettered with its reason and answered on `reply_to`.
struct StepDecisionHandler: MessageHandler {
    let tables = ["route_steps", "routes", "route_history", "timers", "temporary_transfers"]
    let messageType = MessageType.dossierStepDecided
    let desk: RouteDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let decision = try message.decodeExternal(DossierStepDecidedV1.self).data
        context.noteAudit(of: message, dossierCode: decision.dossierCode, detail: "step \(decision.stepNumber) by \(decision.decidedBy.organisationCode)")
        let organisation = decision.decidedBy.organisationCode
        let softwareUser = try context.db.execute("SELECT software_user FROM organisations WHERE code = $1", [organisation])
            .first.flatMap { try $0.optionalString("software_user") }
        guard let sender = message.sender, softwareUser == sender else {
            throw PermanentFailure(code: "not-authorised",
                                   reason: "AMQP user \(message.sender ?? "unknown") is not the software of organisation \(organisation)")
        }
        do {
            try desk.decide(decision, cause: message, context: context)
        } catch let refusal as DecisionRefusal {
            // A software retrying a decision that already applied (new message id, same decision
            // by the same organisation) is answered by doing nothing: nothing is doubled.
            if case .stepNotCurrent = refusal, try desk.store.hasDecision(decision, db: context.db) {
                return
            }
            throw PermanentFailure(code: refusal.code, reason: refusal.description)
        }
    }
}
