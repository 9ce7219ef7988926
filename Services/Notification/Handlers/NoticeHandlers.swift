import Contracts
import Foundation
import NotificationRules
import Persistence
import ServiceKit

/// One notice per event, stored in the member's account (tài khoản) with its Vietnamese text
/// (`Rules/Templates/member/<event type>.json`), the same notice to the dossier's delegate (Đ.11)
/// while the delegation holds, and queued by e-mail and SMS as the member chose; a batch of
/// events is one statement.
struct NoticeHandler<Payload: Codable & Sendable>: BatchMessageHandler {
    let tables = ["notices", "dossier_delegates", "deliveries", "timers", "dossier_portals"]
    let messageType: MessageType
    let writer: NoticeWriter
    /// The dossier (none for a payment without one) and the member the notice is for.
    let recipient: @Sendable (Payload) -> (dossierCode: String?, memberId: String)
    /// The delegation the event records (received and accepted dossiers carry it).
    var delegation: (@Sendable (Payload) -> SubmissionDelegation?)?
    /// The portal (integrator) that submitted the dossier: it reads the member's notices about it.
    var portal: (@Sendable (Payload) -> String?)?

    /// Without a delegation to record, a notice is one row per (message id, recipient), ON
    /// CONFLICT DO NOTHING (and its deliveries only with a new row): no inbox row needed.
    /// Recording a delegation is not (an old event delivered again could replace a newer
    /// delegation), so those go through the inbox.
    var idempotentByMessageId: Bool { delegation == nil }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        var drafts: [NoticeWriter.Draft] = [], delegations: [(String, SubmissionDelegation)] = []
        var portals: [(String, String, String)] = []
        for message in batch {
            let payload = try message.decode(Payload.self).data
            let (code, member) = recipient(payload)
            drafts.append(.init(messageId: message.id, dossierCode: code, memberId: member, organisations: [],
                                rendered: try writer.render(message, audience: .member)))
            if let code, let delegation = delegation?(payload) { delegations.append((code, delegation)) }
            if let code, let integrator = portal?(payload) { portals.append((code, integrator, member)) }
        }
        try DelegateFollowers.record(delegations, context: context)
        try DossierPortals.record(portals, context: context)
        try writer.writeMemberNotices(drafts, type: messageType, context: context)
    }
}

/// The delegates following dossiers: the newest delegation recorded for a dossier holds.
enum DelegateFollowers {
    static func record(_ delegations: [(dossierCode: String, delegation: SubmissionDelegation)], context: HandlerContext) throws {
        guard !delegations.isEmpty else { return }
        // One row per dossier in the statement (ON CONFLICT cannot touch a row twice): the last wins.
        var latest: [String: SubmissionDelegation] = [:]
        for (code, delegation) in delegations { latest[code] = delegation }
        let rows = latest.sorted { $0.key < $1.key }
        try context.db.executeDeferred("""
            INSERT INTO dossier_delegates (dossier_code, delegate_kind, delegate_id, delegate_name, valid_until, recorded_at)
            SELECT code, kind, id, name, until, $6::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS t(code, kind, id, name, until)
            ON CONFLICT (dossier_code) DO UPDATE SET delegate_kind = excluded.delegate_kind, delegate_id = excluded.delegate_id,
                delegate_name = excluded.delegate_name, valid_until = excluded.valid_until, recorded_at = excluded.recorded_at
            """, [PostgresArray(rows.map(\.key)), PostgresArray(rows.map(\.value.delegateKind.rawValue)),
                  PostgresArray(rows.map(\.value.delegateId)), PostgresArray(rows.map(\.value.delegateName)),
                  PostgresArray(rows.map { $0.value.validUntil?.postgresText }), context.now])
    }
}

/// The portal (integrator) that submitted each dossier: it reads the member's notices about it.
enum DossierPortals {
    static func record(_ rows: [(dossierCode: String, integrator: String, memberId: String)], context: HandlerContext) throws {
        guard !rows.isEmpty else { return }
        try context.db.executeDeferred("""
            INSERT INTO dossier_portals (dossier_code, integrator, member_id)
            SELECT DISTINCT ON (code) code, integrator, member FROM unnest($1::text[], $2::text[], $3::text[]) AS t(code, integrator, member)
            ON CONFLICT DO NOTHING
            """, [PostgresArray(rows.map(\.dossierCode)), PostgresArray(rows.map(\.integrator)), PostgresArray(rows.map(\.memberId))])
    }
}

extension NoticeHandlers {
    /// Every event a member hears of, and who it is for; the words are the templates'.
    static func members(_ writer: NoticeWriter) -> [any MessageHandler] {
        [
            NoticeHandler<DossierReceivedV1>(messageType: .dossierReceived, writer: writer, recipient: { ($0.dossierCode, $0.submitter.memberId) },
                                             delegation: \.delegation, portal: { $0.integrator }),
            NoticeHandler<DossierAcceptedV1>(messageType: .dossierAccepted, writer: writer, recipient: { ($0.dossierCode, $0.submitter.memberId) },
                                             delegation: \.delegation),
            // Complete guidance once (Đ.14.3): every problem in the one notice.
            NoticeHandler<DossierSupplementRequestedV1>(messageType: .dossierSupplementRequested, writer: writer,
                                                        recipient: { ($0.dossierCode, $0.memberId ?? "") }),
            NoticeHandler<DossierRefusedV1>(messageType: .dossierRefused, writer: writer, recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<DossierDecidedV1>(messageType: .dossierDecided, writer: writer, recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<DossierWithdrawnV1>(messageType: .dossierWithdrawn, writer: writer, recipient: { ($0.dossierCode, $0.memberId ?? "") }),
            NoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferExtended, writer: writer,
                                               recipient: { ($0.dossierCode, $0.memberId) }),
            // The member hears the period is ending (time to ask for an extension) and that it ended.
            NoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferEnding, writer: writer,
                                               recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferClosed, writer: writer,
                                               recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionPending, writer: writer,
                                                        recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionRefused, writer: writer,
                                                        recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<ResultIssuedV1>(messageType: .resultIssued, writer: writer, recipient: { ($0.dossierCode, $0.memberId) }),
            // Party dues: what to pay and where, then paid or an attempt failed (the link works again).
            NoticeHandler<PaymentDueV1>(messageType: .paymentDue, writer: writer, recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<PaymentCompletedV1>(messageType: .paymentCompleted, writer: writer, recipient: { ($0.dossierCode, $0.memberId) }),
            NoticeHandler<PaymentFailedV1>(messageType: .paymentFailed, writer: writer, recipient: { ($0.dossierCode, $0.memberId) }),
            // Đ.18: the member is told; any paper copy loses its validity at the same moment.
            NoticeHandler<ResultRevokedV1>(messageType: .resultRevoked, writer: writer, recipient: { ($0.dossierCode, $0.memberId ?? "") }),
        ]
    }
}
