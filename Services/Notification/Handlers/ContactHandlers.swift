import Contracts
import Foundation
import Mail
import Persistence
import ServiceKit

/// Where people hear besides their account, replicated from the registries (`contacts`): a
/// member's e-mail and mobile number and the channels they chose (`member.registered.v1`,
/// `member.updated.v1`), an organisation's official mailbox (`organisation.registered.v1`,
/// `organisation.updated.v1`; official mail always goes by e-mail). An older revision never
/// overwrites a newer one. Notices of the last day that went on no channel yet (the contact arrived
/// after them, or a channel was just chosen) are queued then.
struct ContactHandler: BatchMessageHandler {
    let tables = ["contacts", "deliveries", "timers"]
    let messageType: MessageType
    /// The channels this deployment sends on.
    let channels: [NotificationChannel]
    /// Upserts guarded by the revision: delivered twice, the second changes nothing.
    var idempotentByMessageId: Bool { true }

    struct Contact {
        let kind: NoticeRecipientKind
        let id: String
        let name: String
        let email: String?
        let phone: String?
        let channels: [NotificationChannel]
        let revision: Int
    }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        var latest: [String: Contact] = [:]
        for message in batch {
            let contact: Contact
            if messageType == .memberRegistered || messageType == .memberUpdated {
                let member = try message.decodeExternal(MemberRecord.self).data
                context.noteAudit(of: message, memberId: member.memberId, detail: "contact revision \(member.revision)")
                contact = Contact(kind: .member, id: member.memberId, name: member.fullName, email: member.email, phone: member.phone,
                                  channels: member.notificationChannels ?? (member.email == nil ? [] : [.email]),
                                  revision: member.revision)
            } else {
                let organisation = try message.decodeExternal(OrganisationRecord.self).data
                contact = Contact(kind: .organisation, id: organisation.code, name: organisation.name,
                                  email: organisation.contact?.email, phone: organisation.contact?.phone, channels: [.email],
                                  revision: organisation.revision)
            }
            // One row per recipient in the statement: the newest revision of the batch.
            if let seen = latest[contact.id], seen.revision >= contact.revision { continue }
            latest[contact.id] = contact
        }
        let contacts = latest.values.sorted { $0.id < $1.id }
        guard !contacts.isEmpty else { return }
        // An address that cannot go into a header as it is (spaces, CR/LF, brackets) is the
        // registry's to fix: the record is dead-lettered with the reason, never half applied.
        for contact in contacts {
            if let email = contact.email, !MailMessage.isDeliverable(email) {
                throw PermanentFailure(code: "invalid-field", reason: "email of \(contact.id): not a deliverable address \(email.debugDescription)")
            }
        }
        try context.db.executeDeferred("""
            INSERT INTO contacts (recipient_kind, recipient_id, name, email, phone, channels, registry_revision)
            SELECT kind, id, name, email, phone, string_to_array(channels, ','), revision
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[])
                AS t(kind, id, name, email, phone, channels, revision)
            ON CONFLICT (recipient_kind, recipient_id) DO UPDATE SET name = excluded.name, email = excluded.email,
                phone = excluded.phone, channels = excluded.channels, registry_revision = excluded.registry_revision
            WHERE contacts.registry_revision < excluded.registry_revision
            """, [PostgresArray(contacts.map(\.kind.rawValue)), PostgresArray(contacts.map(\.id)), PostgresArray(contacts.map(\.name)),
                  PostgresArray(contacts.map(\.email)), PostgresArray(contacts.map(\.phone)),
                  PostgresArray(contacts.map { $0.channels.map(\.rawValue).joined(separator: ",") }),
                  PostgresArray(contacts.map(\.revision))])
        // Only those who can hear on a channel this deployment sends on have anything to catch up.
        let reachable = contacts.filter { contact in
            channels.contains { channel in
                contact.channels.contains(channel) && (channel == .email ? contact.email : contact.phone).map { !$0.isEmpty } == true
            }
        }
        guard !reachable.isEmpty else { return }
        let recipients = reachable.map { ($0.kind.rawValue, $0.id) }
        try Self.queueRecentNotices(of: recipients, channels: channels, context: context)
        // A notice written at this moment by the other consumer is not visible to this transaction
        // (nor this contact to it): look again once both have committed.
        for (kind, id) in recipients {
            try Timers.schedule(kind: ContactCatchUpTimer.kind, key: "\(kind):\(id)", dueAt: context.now.addingTimeInterval(30),
                                payload: [String: String](), in: context)
        }
    }

    /// Queues the recipients' notices of the last day that went on no channel yet.
    static func queueRecentNotices(of recipients: [(kind: String, id: String)], channels: [NotificationChannel],
                                   context: HandlerContext) throws {
        try context.db.executeDeferred("""
            WITH recent AS (
                SELECT n.id, n.recipient_kind, n.recipient_id, n.email_subject AS subject, n.sms_text AS sms
                FROM notices n JOIN unnest($1::text[], $2::text[]) AS t(kind, id) ON n.recipient_kind = t.kind AND n.recipient_id = t.id
                WHERE n.created_at > now() - interval '1 day'),
            queued AS (\(NoticeWriter.queueSelect(notices: "recent", now: "$3", channels: "$4")))
            INSERT INTO timers (kind, key, due_at, payload)
            SELECT '\(DeliveryTimer.kind)', id::text, $3::timestamptz, '{}'::jsonb FROM queued
            """, [PostgresArray(recipients.map(\.kind)), PostgresArray(recipients.map(\.id)), context.now,
                  PostgresArray(channels.map(\.rawValue))])
    }

    static func all(channels: [NotificationChannel]) -> [any MessageHandler] {
        [MessageType.memberRegistered, .memberUpdated, .organisationRegistered, .organisationUpdated]
            .map { ContactHandler(messageType: $0, channels: channels) }
    }
}

/// The second look of `ContactHandler`, 30 s after a contact arrived (`contact-catch-up`, key
/// `<kind>:<id>`): notices committed meanwhile by the notices' consumer are queued then.
struct ContactCatchUpTimer: TimerHandler {
    static let kind = "contact-catch-up"
    var kind: String { Self.kind }
    let channels: [NotificationChannel]

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        guard !channels.isEmpty, let colon = timer.key.firstIndex(of: ":") else { return }
        if timer.key[..<colon] == NoticeRecipientKind.member.rawValue {
            context.noteAudit(of: timer, memberId: String(timer.key[timer.key.index(after: colon)...]))
        }
        try ContactHandler.queueRecentNotices(of: [(String(timer.key[..<colon]), String(timer.key[timer.key.index(after: colon)...]))],
                                              channels: channels, context: context)
    }
}
