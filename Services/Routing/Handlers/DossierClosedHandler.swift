import Contracts
import Persistence
import ServiceKit

/// `dossier.refused.v1` from validation for a dossier routing holds: an organisation returned it
/// for a supplement that never came (`supplement-not-received`), and validation closed it. The
/// route is closed too, so that no organisation's inbox or figures keep a dossier that is over.
/// A refusal of a dossier routing never had (refused before acceptance) changes nothing.
struct DossierClosedHandler: MessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers", "withdrawal_requests"]
    let messageType = MessageType.dossierRefused
    let desk: RouteDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let refused = try message.decode(DossierRefusedV1.self).data
        try desk.close(refused.dossierCode, reason: refused.reason, cause: message, context: context)
    }
}
