import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `member.registered.v1` / `member.updated.v1` keep the registry replica; an older revision never
/// overwrites a newer one (events may arrive twice or out of order). Dossiers that were waiting
/// for one of these members are checked now.
struct MemberRegistryHandler: BatchMessageHandler {
    let tables = ["members"]
    let messageType: MessageType
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        var latest: [String: MemberRecord] = [:]
        for message in batch {
            let member = try message.decodeExternal(MemberRecord.self).data
            guard member.citizenId.range(of: "^[0-9]{12}$", options: .regularExpression) != nil else {
                throw PermanentFailure(code: "invalid-citizen-id", reason: "member \(member.memberId): citizen id must be 12 digits")
            }
            if (latest[member.memberId]?.revision ?? Int.min) < member.revision { latest[member.memberId] = member }
        }
        let members = Array(latest.values)
        try context.db.execute("""
            INSERT INTO members (member_id, citizen_id, party_card_number, organisation_code, record, revision)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[])
            ON CONFLICT (member_id) DO UPDATE SET citizen_id = excluded.citizen_id,
                party_card_number = excluded.party_card_number, organisation_code = excluded.organisation_code,
                record = excluded.record, revision = excluded.revision, updated_at = now()
            WHERE members.revision < excluded.revision
            """, [PostgresArray(members.map(\.memberId)), PostgresArray(members.map(\.citizenId)),
                  PostgresArray(members.map(\.partyCardNumber)), PostgresArray(members.map(\.organisationCode)),
                  try PostgresArray.json(members),
                  PostgresArray(members.map(\.revision))])
        let waiting = try context.db.execute("""
            SELECT code, revision, member_id, \(rfc3339SQL("check_deadline")) AS deadline FROM dossiers
            WHERE status = 'awaiting-registry' AND member_id = ANY($1::text[]) ORDER BY code FOR UPDATE
            """, [PostgresArray(members.map(\.memberId))]).rows
        guard !waiting.isEmpty else { return }
        let current = try desk.members(members.map(\.memberId), db: context.db)
        for row in waiting {
            let code = try row.string("code")
            guard let content = try desk.revisions(of: code, db: context.db).last?.content else { continue }
            try desk.recheck(content, revision: try row.int("revision"), member: current[try row.string("member_id")],
                             deadline: WireJSON.parseTimestamp(try row.string("deadline")) ?? context.now,
                             cause: nil, context: context)
        }
    }
}
