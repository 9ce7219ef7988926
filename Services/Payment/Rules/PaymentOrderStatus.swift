import Contracts
import Foundation

/// A payment order's state (`payment.payment_orders.status`).
public enum PaymentOrderStatus: String, Sendable, Codable {
    /// Opened; the member has not paid yet (an online attempt may have failed).
    case awaitingPayment = "awaiting-payment"
    /// Paid in full (online, in cash, or covered by credit): over.
    case paid
    /// The dossier was withdrawn before payment: over.
    case cancelled

    /// What money arriving for the order does.
    public enum Receipt: Equatable, Sendable {
        /// Settles the order; anything beyond what was asked (`excessVND`) is the member's credit.
        case settles(excessVND: Int)
        /// The order is already settled or closed: all of it is the member's credit (paid twice).
        case creditOnly
        /// Less than asked: refused, nothing booked (a gateway never pays part of an order).
        case tooLittle
    }

    /// Money of `amountVND` arriving for an order asking for `toPayVND`. `exact`: the channel must
    /// bring exactly the amount (a gateway's transaction for this order); cash may bring more.
    public func receive(_ amountVND: Int, toPay toPayVND: Int, exact: Bool) -> Receipt {
        guard self == .awaitingPayment else { return .creditOnly }
        if amountVND < toPayVND || (exact && amountVND != toPayVND) { return .tooLittle }
        return .settles(excessVND: amountVND - toPayVND)
    }
}
