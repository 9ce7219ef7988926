import Contracts
import Foundation
import NotificationRules
import Persistence
import ServiceKit

/// Notices to party organisations (tổ chức đảng) about the steps they must handle: assigned,
/// reminded before the deadline, overdue (also to the superior it was escalated to), a check
/// overdue, a temporary transfer's extension and end (to both organisations), dues remitted and
/// members in arrears. One notice per event and organisation, in its inbox and by e-mail to its
/// official mailbox (`Rules/Templates/organisation/<event type>.json`); a batch is one statement.
struct OrganisationNoticeHandler<Payload: Codable & Sendable>: BatchMessageHandler {
    let tables = ["notices", "deliveries", "timers"]
    let messageType: MessageType
    let writer: NoticeWriter
    /// The dossier (none for a notice about dues) and the organisations told.
    let recipients: @Sendable (Payload) -> (dossierCode: String?, organisations: [String])
    /// One row per (message id, organisation), ON CONFLICT DO NOTHING: no inbox row needed.
    var idempotentByMessageId: Bool { true }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let drafts = try batch.map { message in
            let (code, organisations) = recipients(try message.decode(Payload.self).data)
            return NoticeWriter.Draft(messageId: message.id, dossierCode: code, memberId: nil, organisations: organisations,
                                      rendered: try writer.render(message, audience: .organisation))
        }
        try writer.writeOrganisationNotices(drafts, type: messageType, context: context)
    }
}

enum NoticeHandlers {
    /// Every event an organisation hears of, and which organisations; the words are the templates'.
    static func organisations(_ writer: NoticeWriter) -> [any MessageHandler] {
        [
            // The public timeline says the receiving organisation was reminded (Đ.14.3): this is the reminder.
            OrganisationNoticeHandler<DossierCheckOverdueV1>(messageType: .dossierCheckOverdue, writer: writer) {
                ($0.dossierCode, [$0.receivingOrganisationCode])
            },
            OrganisationNoticeHandler<DossierStepAssignedV1>(messageType: .dossierStepAssigned, writer: writer) {
                ($0.dossierCode, [$0.organisationCode])
            },
            OrganisationNoticeHandler<DossierStepReminderV1>(messageType: .dossierStepReminder, writer: writer) {
                ($0.dossierCode, [$0.organisationCode])
            },
            OrganisationNoticeHandler<DossierStepOverdueV1>(messageType: .dossierStepOverdue, writer: writer) {
                ($0.dossierCode, [$0.organisationCode] + [$0.escalatedToOrganisationCode].compactMap { $0 })
            },
            OrganisationNoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferEnding, writer: writer) {
                ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode])
            },
            // The official organisation keeps the member on its list: it is told of every extension.
            OrganisationNoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferExtended, writer: writer) {
                ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode])
            },
            // The member asks the temporary committee and informs the official one (DOMAIN §12).
            OrganisationNoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionPending, writer: writer) {
                ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode])
            },
            OrganisationNoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionRefused, writer: writer) {
                ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode])
            },
            OrganisationNoticeHandler<ResultRevokedV1>(messageType: .resultRevoked, writer: writer) {
                ($0.dossierCode, [$0.revokingOrganisationCode])
            },
            // The level above sees each remittance arrive (Quy định 01-QĐ/TW: each level keeps its share, remits the rest).
            OrganisationNoticeHandler<DuesRemittedV1>(messageType: .duesRemitted, writer: writer) {
                (nil, [$0.parentOrganisationCode].compactMap { $0 })
            },
            // Not paying for 3 months in a year without reason lets the chi bộ propose removal (DOMAIN §12 (3)).
            OrganisationNoticeHandler<DuesArrearsReportedV1>(messageType: .duesArrearsReported, writer: writer) {
                (nil, [$0.organisationCode])
            },
            OrganisationNoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferClosed, writer: writer) {
                ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode])
            },
        ]
    }
}
