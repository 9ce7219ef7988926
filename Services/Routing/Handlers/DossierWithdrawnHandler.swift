import Contracts
import ServiceKit

/// `dossier.withdrawn.v1` from validation for a route an organisation returned: validation held the
/// dossier while it waited for the supplement and closed it at the submitter's request, so the
/// route ends too, without a second announcement (`RouteDesk.withdrawnByValidation`).
struct DossierWithdrawnHandler: MessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers", "withdrawal_requests"]
    let messageType = MessageType.dossierWithdrawn
    let desk: RouteDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.withdrawnByValidation(try message.decode(DossierWithdrawnV1.self).data, cause: message, context: context)
    }
}
