import Contracts
import Foundation
import NotificationRules
import Persistence
import ServiceKit

/// Writes a batch of one event type's notices: each rendered from its template (a template that
/// cannot give a whole text dead-letters the event with the reason), stored in the recipients'
/// accounts, and queued on every channel the recipient chose and the service can send on, each
/// queued delivery armed as a durable timer (`notice-delivery`) — all in the handler's transaction.
struct NoticeWriter: Sendable {
    let templates: NoticeTemplates
    /// The channels this deployment sends on (a channel without a configured provider is not queued).
    let channels: [NotificationChannel]

    /// One event's notice before it is written.
    struct Draft {
        let messageId: String
        let dossierCode: String?
        /// The member it is about (member notices; organisation notices about a member may say so too).
        let memberId: String?
        /// Organisations told (organisation notices); empty for member notices.
        let organisations: [String]
        let rendered: RenderedNotice
    }

    func render(_ message: IncomingMessage, audience: NoticeTemplates.Audience) throws -> RenderedNotice {
        do {
            return try templates.render(eventType: message.type.routingKey, audience: audience,
                                        payload: TemplatePayload(message: message.delivery.body))
        } catch let failure as TemplateFailure {
            throw PermanentFailure(code: "template-failed", reason: failure.description)
        }
    }

    /// Member notices: the member's, and the delegate's copy while the delegation holds (Đ.11).
    func writeMemberNotices(_ drafts: [Draft], type: MessageType, context: HandlerContext) throws {
        guard !drafts.isEmpty else { return }
        let delegateTexts = drafts.map { templates.delegateText(memberId: $0.memberId ?? "", notice: $0.rendered.account) }
        try context.db.executeDeferred("""
            WITH event AS (
                SELECT * FROM unnest($1::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                    AS t(id, dossier, member, text, delegate_text, subject, sms)),
            written AS (
                INSERT INTO notices (source_message_id, source_type, dossier_code, member_id, recipient_kind, recipient_id, text,
                                     template_version, email_subject, sms_text)
                SELECT id, $2, dossier, member, 'member', member, text, $9::int, subject, sms FROM event
                UNION ALL
                SELECT e.id, $2, e.dossier, e.member, d.delegate_kind, d.delegate_id, e.delegate_text, $9::int, e.subject, e.sms
                FROM event e JOIN dossier_delegates d ON d.dossier_code = e.dossier
                WHERE d.valid_until IS NULL OR $10::timestamptz < d.valid_until + interval '1 day'
                ON CONFLICT (source_message_id, recipient_kind, recipient_id) DO NOTHING
                RETURNING id, recipient_kind, recipient_id, email_subject AS subject, sms_text AS sms)
            \(Self.queueDeliveries)
            """, [PostgresArray(drafts.map(\.messageId)), type.routingKey, PostgresArray(drafts.map(\.dossierCode)),
                  PostgresArray(drafts.map(\.memberId)), PostgresArray(drafts.map(\.rendered.account)), PostgresArray(delegateTexts),
                  PostgresArray(drafts.map(\.rendered.emailSubject)), PostgresArray(drafts.map(\.rendered.sms)),
                  drafts[0].rendered.templateVersion, context.now, PostgresArray(channels.map(\.rawValue))])
    }

    /// Organisation notices: one per event and organisation told.
    func writeOrganisationNotices(_ drafts: [Draft], type: MessageType, context: HandlerContext) throws {
        var ids: [String] = [], codes: [String?] = [], members: [String?] = [], organisations: [String] = []
        var texts: [String] = [], subjects: [String?] = [], sms: [String?] = []
        for draft in drafts {
            for organisation in Set(draft.organisations).sorted() {
                ids.append(draft.messageId)
                codes.append(draft.dossierCode)
                members.append(draft.memberId)
                organisations.append(organisation)
                texts.append(draft.rendered.account)
                subjects.append(draft.rendered.emailSubject)
                sms.append(draft.rendered.sms)
            }
        }
        guard !ids.isEmpty else { return }
        try context.db.executeDeferred("""
            WITH event AS (
                SELECT * FROM unnest($1::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                    AS t(id, dossier, member, organisation, text, subject, sms)),
            written AS (
                INSERT INTO notices (source_message_id, source_type, dossier_code, member_id, recipient_kind, recipient_id, text,
                                     template_version, email_subject, sms_text)
                SELECT id, $2, dossier, member, 'organisation', organisation, text, $9::int, subject, sms FROM event
                ON CONFLICT (source_message_id, recipient_kind, recipient_id) DO NOTHING
                RETURNING id, recipient_kind, recipient_id, email_subject AS subject, sms_text AS sms)
            \(Self.queueDeliveries)
            """, [PostgresArray(ids), type.routingKey, PostgresArray(codes), PostgresArray(members), PostgresArray(organisations),
                  PostgresArray(texts), PostgresArray(subjects), PostgresArray(sms), drafts[0].rendered.templateVersion,
                  context.now, PostgresArray(channels.map(\.rawValue))])
    }

    /// The tail of both statements: for each notice just written (`written`: id, recipient, its
    /// forms), a delivery per channel the recipient chose, has an address for, the template has a
    /// form for and this deployment sends on ($11); and its timer, due now ($10).
    static let queueDeliveries = """
        , queued AS (\(queueSelect(notices: "written", now: "$10", channels: "$11")))
        INSERT INTO timers (kind, key, due_at, payload)
        SELECT '\(DeliveryTimer.kind)', id::text, $10::timestamptz, '{}'::jsonb FROM queued
        """

    /// The deliveries of `notices` (a relation of id, recipient_kind, recipient_id, subject, sms),
    /// returning their ids; also used when a contact arrives after its notices (ContactHandler).
    static func queueSelect(notices: String, now: String, channels: String) -> String {
        """
        INSERT INTO deliveries (notice_id, channel, address, subject, sms_text, queued_at)
        SELECT w.id, ch.channel, ch.address, w.subject, w.sms, \(now)::timestamptz
        FROM \(notices) w
        JOIN contacts c ON c.recipient_kind = w.recipient_kind AND c.recipient_id = w.recipient_id
        CROSS JOIN LATERAL (VALUES ('email', c.email, w.subject IS NOT NULL), ('sms', c.phone, w.sms IS NOT NULL))
            AS ch(channel, address, has_form)
        WHERE ch.address IS NOT NULL AND ch.address <> '' AND ch.has_form
          AND ch.channel = ANY(c.channels) AND ch.channel = ANY(\(channels)::text[])
        ON CONFLICT (notice_id, channel) DO NOTHING
        RETURNING id
        """
    }
}
