import Contracts
import Foundation
import NotificationRules
import Persistence
import ServiceKit

/// Notices about PAKN items (phản ánh, kiến nghị): the sender hears of the receipt and of each
/// change that concerns them (`Templates/member/feedback.*.json`: a member in the account, an
/// organisation in its inbox, with the same wording), the organisation in charge — and those
/// `alsoTold` — of what it must act on (`Templates/organisation/feedback.updated.v1.json`). The
/// notice's dossier code is the PAKN code. One row per (message id, recipient), ON CONFLICT DO
/// NOTHING: no inbox row needed.
struct FeedbackNoticeHandler: MessageHandler {
    let tables = ["notices", "deliveries", "timers", "dossier_portals"]
    let messageType: MessageType
    let writer: NoticeWriter
    var idempotentByMessageId: Bool { true }

    /// What the sender hears of; the rest is the organisations' business.
    static let toSender: Set<FeedbackChange> = Set(FeedbackChange.allCases).subtracting([.overdue, .progressDue, .assigned])
    /// What the organisation in charge (and `alsoTold`) hears of.
    static let toOrganisations: Set<FeedbackChange> = [.assigned, .reclassified, .clarified, .overdue, .progressDue, .withdrawn,
                                                        .rated, .appealed]

    static func all(_ writer: NoticeWriter) -> [FeedbackNoticeHandler] {
        [FeedbackNoticeHandler(messageType: .feedbackReceived, writer: writer),
         FeedbackNoticeHandler(messageType: .feedbackUpdated, writer: writer)]
    }

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let sender: FeedbackSender, code: String
        var organisations: [String] = []
        if messageType == .feedbackReceived {
            let received = try message.decode(FeedbackReceivedV1.self).data
            (sender, code) = (received.sender, received.paknCode)
            // The portal that sent it reads the member's notices about it.
            if sender.kind == .member, let member = sender.memberId {
                try DossierPortals.record([(code, received.integrator, member)], context: context)
            }
        } else {
            let update = try message.decode(FeedbackUpdatedV1.self).data
            (sender, code) = (update.sender, update.paknCode)
            if Self.toOrganisations.contains(update.change) { organisations = [update.organisationCode] + (update.alsoTold ?? []) }
            if !Self.toSender.contains(update.change) { return try tell(organisations, message, code: code, context: context) }
        }
        let words = try writer.render(message, audience: .member)
        switch sender.kind {
        case .member:
            try writer.writeMemberNotices([.init(messageId: message.id, dossierCode: code, memberId: sender.memberId, organisations: [],
                                                 rendered: words)], type: messageType, context: context)
        case .organisation:
            try writer.writeOrganisationNotices([.init(messageId: message.id, dossierCode: code, memberId: nil,
                                                       organisations: [sender.organisationCode], rendered: words)],
                                                type: messageType, context: context)
        }
        try tell(organisations.filter { sender.kind == .member || $0 != sender.organisationCode }, message, code: code, context: context)
    }

    private func tell(_ organisations: [String], _ message: IncomingMessage, code: String, context: HandlerContext) throws {
        guard !organisations.isEmpty else { return }
        try writer.writeOrganisationNotices([.init(messageId: message.id, dossierCode: code, memberId: nil,
                                                   organisations: Array(Set(organisations)).sorted(),
                                                   rendered: try writer.render(message, audience: .organisation))],
                                            type: messageType, context: context)
    }
}
