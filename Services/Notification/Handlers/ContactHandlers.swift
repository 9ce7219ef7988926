import Contracts
import Foundation
import Persistence
import ServiceKit

/// Where people hear besides their account, replicated from the registries (`contacts`): a
/// member's e-mail and mobile number and the channels they chose (`member.registered.v1`,
/// `member.updated.v1`), an organisation's official mailbox (`organisation.registered.v1`,
/// `organisation.updated.v1`; official mail always goes by e-mail). An older revision never
/// overwrites a newer one.
struct ContactHandler: BatchMessageHandler {
    let tables = ["contacts"]
    let messageType: MessageType
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
    }

    static let all: [any MessageHandler] = [MessageType.memberRegistered, .memberUpdated, .organisationRegistered, .organisationUpdated]
        .map { ContactHandler(messageType: $0) }
}
