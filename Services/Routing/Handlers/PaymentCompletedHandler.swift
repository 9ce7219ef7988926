import Contracts
import ServiceKit

/// `payment.completed.v1` from payment: a route waiting at its `pay` step goes on.
struct PaymentCompletedHandler: MessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers"]
    let messageType = MessageType.paymentCompleted
    let desk: RouteDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.paymentCompleted(try message.decode(PaymentCompletedV1.self).data, cause: message, context: context)
    }
}
