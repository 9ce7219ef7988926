import Contracts
import Persistence
import ServiceKit

/// `dues.status-reported.v1` from payment: the dues status an introduction letter records; a
/// route waiting for it gets its letter step assigned.
struct DuesStatusReportedHandler: MessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers"]
    let messageType = MessageType.duesStatusReported
    let desk: RouteDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.duesStatusReported(try message.decode(DuesStatusReportedV1.self).data, cause: message, context: context)
    }
}
