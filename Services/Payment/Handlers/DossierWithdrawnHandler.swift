import Contracts
import ServiceKit

/// `dossier.withdrawn.v1`: the dossier's unpaid order is cancelled (its assessment reversed).
struct DossierWithdrawnHandler: MessageHandler {
    let tables = ["payment_orders", "ledger_journals", "ledger_lines"]
    let messageType = MessageType.dossierWithdrawn
    let desk: OrderDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.cancel(dossierCode: try message.decode(DossierWithdrawnV1.self).data.dossierCode, context: context)
    }
}
