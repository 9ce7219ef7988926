import Contracts
import Foundation
import Persistence

/// Each party member's organisation (chi bộ), replicated into the service's own
/// `member_organisations` (now) and `member_organisation_moves` (every move) from the registry's
/// `member.registered.v1` / `member.updated.v1` and from official transfers
/// (`member.transferred.v1`, DOMAIN §12(1): on completion the member's registry entry, dues
/// obligation and data store move to the receiving chi bộ). A registry record older than the one
/// applied never overwrites it; a transfer moves the member only from the organisation it left
/// (a transfer delivered twice or after a newer move changes nothing). Temporary transfers keep
/// the member with the official organisation.
public struct MemberOrganisationHandler: BatchMessageHandler {
    public let tables = ["member_organisations", "member_organisation_moves"]
    public let messageType: MessageType

    public init(messageType: MessageType) {
        self.messageType = messageType
    }

    public func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        if messageType == .memberTransferred {
            for message in batch {
                let transfer = try message.decode(MemberTransferredV1.self).data
                context.noteAudit(of: message, dossierCode: transfer.dossierCode, memberId: transfer.memberId)
                try Self.apply(transfer: transfer, db: context.db)
            }
        } else {
            let records = try batch.map { try $0.decodeExternal(MemberRecord.self).data }
            for (message, record) in zip(batch, records) {
                context.noteAudit(of: message, memberId: record.memberId, detail: "registry revision \(record.revision)")
            }
            try Self.apply(registry: records, at: context.now, db: context.db)
        }
    }

    /// Registry records: the newest revision of each member, if newer than the one applied.
    public static func apply(registry records: [MemberRecord], at now: Date, db: PostgresConnection) throws {
        let members = MemberRecord.latestRevisions(records)
        try lock(members.map(\.memberId), db: db)
        // The rows before, the upsert, and a move for each change of organisation.
        try db.execute("""
            WITH incoming AS (
                SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) AS t(member, organisation, revision)),
            before AS (
                SELECT m.member_id, m.organisation_code FROM member_organisations m JOIN incoming i ON i.member = m.member_id),
            applied AS (
                INSERT INTO member_organisations (member_id, organisation_code, registry_revision, since)
                SELECT member, organisation, revision, $4::timestamptz FROM incoming
                ON CONFLICT (member_id) DO UPDATE SET organisation_code = excluded.organisation_code,
                    registry_revision = excluded.registry_revision,
                    since = CASE WHEN member_organisations.organisation_code = excluded.organisation_code
                                 THEN member_organisations.since ELSE excluded.since END
                WHERE member_organisations.registry_revision IS NULL OR member_organisations.registry_revision < excluded.registry_revision
                RETURNING member_id, organisation_code)
            INSERT INTO member_organisation_moves (member_id, from_organisation_code, to_organisation_code, at, cause)
            SELECT a.member_id, b.organisation_code, a.organisation_code, $4::timestamptz, 'registry'
            FROM applied a LEFT JOIN before b USING (member_id)
            WHERE b.organisation_code IS DISTINCT FROM a.organisation_code
            ORDER BY a.member_id
            """, [PostgresArray(members.map(\.memberId)), PostgresArray(members.map(\.organisationCode)),
                  PostgresArray(members.map(\.revision)), now])
    }

    /// An official transfer: from the organisation it left to the receiving one, from the transfer's
    /// time. A temporary one changes nothing (the member stays on the official organisation's list).
    public static func apply(transfer: MemberTransferredV1, db: PostgresConnection) throws {
        guard transfer.kind == .official else { return }
        try lock([transfer.memberId], db: db)
        try db.execute("""
            WITH before AS (
                SELECT organisation_code FROM member_organisations WHERE member_id = $1),
            applied AS (
                INSERT INTO member_organisations (member_id, organisation_code, since)
                VALUES ($1, $3, $4::timestamptz)
                ON CONFLICT (member_id) DO UPDATE SET organisation_code = excluded.organisation_code, since = excluded.since
                WHERE member_organisations.organisation_code = $2
                RETURNING member_id)
            INSERT INTO member_organisation_moves (member_id, from_organisation_code, to_organisation_code, at, cause)
            SELECT $1, (SELECT organisation_code FROM before), $3, $4::timestamptz, $5 FROM applied
            """, [transfer.memberId, transfer.fromOrganisationCode, transfer.toOrganisationCode, transfer.transferredAt,
                  transfer.dossierCode])
    }

    /// One handler per event type, for a service's consumer.
    public static let all: [any MessageHandler] = [
        MemberOrganisationHandler(messageType: .memberRegistered),
        MemberOrganisationHandler(messageType: .memberUpdated),
        MemberOrganisationHandler(messageType: .memberTransferred),
    ]

    /// Locks the members' rows, in order, until the transaction ends; the statement that reads
    /// them afterwards sees what the previous holder of the lock wrote.
    static func lock(_ members: [String], db: PostgresConnection) throws {
        try db.executeDeferred("SELECT 1 FROM member_organisations WHERE member_id = ANY($1::text[]) ORDER BY member_id FOR UPDATE",
                               [PostgresArray(members)])
    }

    /// The organisation `memberId` belongs to now (nil when the member is not known yet).
    public static func organisation(of memberId: String, db: PostgresConnection) throws -> String? {
        try db.execute("SELECT organisation_code FROM member_organisations WHERE member_id = $1", [memberId])
            .first.map { try $0.string("organisation_code") }
    }
}

extension MemberRecord {
    /// The newest revision of each member among `records`, in member id order (so replicas lock
    /// rows in the same order); one per member, as one upsert statement may touch a row only once.
    public static func latestRevisions(_ records: [MemberRecord]) -> [MemberRecord] {
        var latest: [String: MemberRecord] = [:]
        for member in records where (latest[member.memberId]?.revision ?? Int.min) < member.revision {
            latest[member.memberId] = member
        }
        return latest.values.sorted { $0.memberId < $1.memberId }
    }
}
