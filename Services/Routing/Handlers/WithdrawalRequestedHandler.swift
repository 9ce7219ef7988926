import Contracts
import Persistence
import ServiceKit

/// `dossier.withdrawal-requested.v1` from intake: the route of a dossier validation accepted ends
/// and `dossier.withdrawn.v1` is announced (validation announces those it never passed on). A
/// dossier not here yet is remembered, and its route starts withdrawn.
struct WithdrawalRequestedHandler: MessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers", "withdrawal_requests"]
    let messageType = MessageType.dossierWithdrawalRequested
    let desk: RouteDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.withdraw(try message.decode(DossierWithdrawalRequestedV1.self).data, cause: message, context: context)
    }
}
