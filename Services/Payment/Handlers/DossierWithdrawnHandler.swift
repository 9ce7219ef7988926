import Contracts
import ServiceKit

/// `dossier.withdrawn.v1`: the dossier's unpaid order is cancelled (its assessment reversed); one
/// not opened yet never will be.
struct DossierWithdrawnHandler: MessageHandler {
    let tables = ["withdrawn_dossiers", "payment_orders", "ledger_journals", "ledger_lines"]
    let messageType = MessageType.dossierWithdrawn
    let desk: OrderDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.cancel(dossierCode: try message.decode(DossierWithdrawnV1.self).data.dossierCode, context: context)
    }
}
