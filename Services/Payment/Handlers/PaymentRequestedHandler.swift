import Contracts
import ServiceKit

/// `payment.requested.v2` (routing, a dossier at its `pay` step) → the order, its assessment in
/// the ledger and `payment.due.v1` (settled at once when nothing is left to pay).
struct PaymentRequestedHandler: MessageHandler {
    let tables = ["payment_orders", "ledger_journals", "ledger_lines", "dues_months"]
    let messageType = MessageType.paymentRequested
    let desk: OrderDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.open(try message.decode(PaymentRequestedV2.self).data, cause: message, context: context)
    }
}
