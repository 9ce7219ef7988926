import Contracts
import Foundation
import RoutingRules
import ServiceKit

/// `feedback.received.v1` (intake's receipt): the item classified and handed to the competent
/// organisation, or a duplicate linked to the first.
struct FeedbackReceivedHandler: MessageHandler {
    let tables = ["feedback_items", "feedback_history", "feedback_duplicates", "timers"]
    let messageType = MessageType.feedbackReceived
    let desk: FeedbackDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try desk.receive(try message.decode(FeedbackReceivedV1.self).data, context: context)
    }
}

/// `feedback.follow-up-received.v1`: the sender withdraws, clarifies, rates or appeals; what the
/// item's state does not allow is answered with the reason (`follow-up-refused`).
struct FeedbackFollowUpReceivedHandler: MessageHandler {
    let tables = ["feedback_items", "feedback_history", "timers"]
    let messageType = MessageType.feedbackFollowUpReceived
    let desk: FeedbackDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let followUp = try message.decode(FeedbackFollowUpReceivedV1.self).data
        let text = followUp.text ?? ""
        // Intake took it for an item it received: routing has not handled the receipt yet (the two
        // race on this queue). Tried again with back-off; the receipt comes first.
        guard try desk.store.exists(followUp.paknCode, db: context.db) else {
            throw FeedbackNotYetReceived(code: followUp.paknCode)
        }
        do {
            switch followUp.action {
            case .withdraw:
                try desk.act(.withdraw(reason: text), on: followUp.paknCode, actor: "sender", context: context)
            case .clarify:
                try desk.act(.clarify(text: text), on: followUp.paknCode, actor: "sender", context: context)
            case .rate:
                let rating = followUp.rating ?? 0
                try desk.act(.rate(rating), on: followUp.paknCode, actor: "sender", edit: { $0.rating = rating }, context: context)
            case .appeal:
                // The level above the organisation that answered handles the appeal (Quy chế 03 Đ.14).
                let answeredBy = try desk.store.load(followUp.paknCode, forUpdate: false, db: context.db)?.state.answeredBy
                let above = try answeredBy.flatMap { try desk.store.organisation($0, db: context.db)?.parent }
                try desk.act(.appeal(reason: text, to: above), on: followUp.paknCode, actor: "sender", context: context)
            }
        } catch let refusal as FeedbackRefusal {
            try desk.refuseFollowUp(followUp, refusal, context: context)
        }
    }
}

/// A follow-up ahead of its item's receipt: retried (not a permanent failure).
struct FeedbackNotYetReceived: Error, CustomStringConvertible {
    let code: String
    var description: String { "feedback \(code) not received by routing yet: its receipt is behind this follow-up" }
}
