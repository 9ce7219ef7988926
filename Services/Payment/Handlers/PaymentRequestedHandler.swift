import Contracts
import ServiceKit

/// `payment.requested.v1` → a pending payment awaiting the provider.
struct PaymentRequestedHandler: MessageHandler {
    let tables = ["payments"]
    let messageType = MessageType.paymentRequested

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let request = try message.decode(PaymentRequestedV1.self).data
        guard request.amountVND >= 0 else {
            throw PermanentFailure(code: "invalid-amount", reason: "amountVND must not be negative")
        }
        try context.db.execute("""
            INSERT INTO payments (payment_id, dossier_code, member_id, amount_vnd, purpose, status)
            VALUES ($1, $2, $3, $4, $5, 'pending') ON CONFLICT (payment_id) DO NOTHING
            """, [request.paymentId, request.dossierCode, request.memberId, request.amountVND, request.purpose])
    }
}
