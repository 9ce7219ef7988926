import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// All SQL of validation's own tables: `dossiers` (one row per dossier and its check status),
/// `dossier_revisions` (every version of the content, encrypted, Đ.15) and `members` (the member
/// registry replica).
extension CheckDesk {
    // MARK: Registry replica

    /// Reads members. For a check, its `submitters` are locked first (shared): a registry batch
    /// storing one of them (exclusive lock) has then either committed, and the member is read, or
    /// waits for this transaction and then finds the dossier awaiting it. Without the lock both
    /// could miss each other (READ COMMITTED) and the dossier would wait for its overdue timer.
    /// Only a missing submitter makes a dossier wait (`ContentCheck`), so only they are locked.
    func members(_ ids: [String], lockingSubmitters submitters: [String] = [], db: PostgresConnection) throws -> [String: MemberRecord] {
        try lockMembers(submitters, exclusive: false, db: db)
        var members: [String: MemberRecord] = [:]
        for row in try db.execute("SELECT record::text AS record FROM members WHERE member_id = ANY($1::text[])",
                                  [PostgresArray(Array(Set(ids)))]).rows {
            let member = try row.json(MemberRecord.self, "record")
            members[member.memberId] = member
        }
        return members
    }

    /// Keeps the newest revision of each member (an older one never overwrites a newer one).
    func storeMembers(_ members: [MemberRecord], db: PostgresConnection) throws {
        try lockMembers(members.map(\.memberId), exclusive: true, db: db)
        try db.execute("""
            INSERT INTO members (member_id, citizen_id, party_card_number, organisation_code, record, revision)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[])
            ON CONFLICT (member_id) DO UPDATE SET citizen_id = excluded.citizen_id,
                party_card_number = excluded.party_card_number, organisation_code = excluded.organisation_code,
                record = excluded.record, revision = excluded.revision, updated_at = now()
            WHERE members.revision < excluded.revision
            """, [PostgresArray(members.map(\.memberId)), PostgresArray(members.map(\.citizenId)),
                  PostgresArray(members.map(\.partyCardNumber)), PostgresArray(members.map(\.organisationCode)),
                  try PostgresArray.json(members), PostgresArray(members.map(\.revision))])
    }

    /// Transaction-scoped advisory locks on member ids. A supplement batch locks message by
    /// message, so a cycle with a registry batch is possible: PostgreSQL detects it and the batch
    /// is tried again.
    private func lockMembers(_ ids: [String], exclusive: Bool, db: PostgresConnection) throws {
        try lock(ids, namespace: "validation.member", exclusive: exclusive, db: db)
    }

    /// Transaction-scoped advisory locks on `namespace:id` keys, in key order within the statement.
    func lock(_ ids: [String], namespace: String, exclusive: Bool, db: PostgresConnection) throws {
        guard !ids.isEmpty else { return }
        try db.execute("""
            SELECT count(\(exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")(key)) AS n
            FROM (SELECT DISTINCT hashtextextended($2 || ':' || id, 0) AS key
                  FROM unnest($1::text[]) AS id ORDER BY key) AS keys
            """, [PostgresArray(ids), namespace])
    }

    /// An official transfer: the member's replica follows them to the new cell.
    func moveMember(_ transfer: MemberTransferredV1, db: PostgresConnection) throws {
        try db.execute("""
            UPDATE members SET organisation_code = $3,
                record = jsonb_set(record, '{organisationCode}', to_jsonb($3::text)), updated_at = now()
            WHERE member_id = $1 AND organisation_code = $2
            """, [transfer.memberId, transfer.fromOrganisationCode, transfer.toOrganisationCode])
    }

    // MARK: Revisions (Đ.15: every version kept, encrypted)

    func storeRevision(_ content: DossierContent, revision: Int, cause: String, db: PostgresConnection) throws {
        let sealed = try sealedRevision(content, revision: revision)
        try db.execute("""
            INSERT INTO dossier_revisions (dossier_code, revision, key_id, sealed, cause) VALUES ($1, $2, $3, $4::bytea, $5)
            """, [content.dossierCode, revision, sealed.keyId, ByteA(sealed.bytes), cause])
    }

    /// Every revision of a dossier, decrypted, oldest first.
    func revisions(of code: String, db: PostgresConnection) throws -> [(revision: Int, cause: String, keyId: String, createdAt: String, content: DossierContent)] {
        try db.execute("""
            SELECT revision, cause, key_id, sealed, \(rfc3339SQL("created_at")) AS created_at
            FROM dossier_revisions WHERE dossier_code = $1 ORDER BY revision
            """, [code]).rows.map { row in
            let revision = try row.int("revision")
            return (revision, try row.string("cause"), try row.string("key_id"), try row.string("created_at"),
                    try sealing.open(DossierContent.self, row: row, in: .revisions, context: context(code, revision)))
        }
    }

    // MARK: Dossiers

    /// A checked batch of received dossiers with their first revisions, in two statements; returns
    /// the indexes of the dossiers that were new (a second `received` of one changes nothing).
    func insertReceived(_ contents: [DossierContent], outcomes: [CheckOutcome], deadlines: [Date],
                        sealed: [HistoryCipher.Sealed], causes: [String], db: PostgresConnection) throws -> [Int] {
        let inserted = try db.execute("""
            INSERT INTO dossiers (code, procedure_code, receiving_organisation_code, member_id, official_receipt_at,
                                  status, procedure_version, problems, check_deadline, routed)
            SELECT code, procedure, organisation, member, receipt, status, version, problems::jsonb, deadline,
                   status = '\(DossierCheckStatus.accepted.rawValue)'
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::int[],
                        $8::text[], $9::timestamptz[])
                AS t(code, procedure, organisation, member, receipt, status, version, problems, deadline)
            ON CONFLICT (code) DO NOTHING
            RETURNING code
            """, [PostgresArray(contents.map(\.dossierCode)), PostgresArray(contents.map(\.procedureCode)),
                  PostgresArray(contents.map(\.receivingOrganisationCode)), PostgresArray(contents.map(\.submitter.memberId)),
                  PostgresArray(contents.map(\.officialReceiptAt)), PostgresArray(outcomes.map(\.status.rawValue)),
                  PostgresArray(outcomes.map { $0.procedureVersion.map(String.init) }),
                  PostgresArray(try outcomes.map { try $0.problemsJSON }), PostgresArray(deadlines)])
        var new = Set(try inserted.rows.map { try $0.string("code") })
        let fresh = contents.indices.filter { new.remove(contents[$0].dossierCode) != nil }
        guard !fresh.isEmpty else { return [] }
        try db.execute("""
            INSERT INTO dossier_revisions (dossier_code, revision, key_id, sealed, cause)
            SELECT code, 1, key_id, sealed, cause FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[])
                AS t(code, key_id, sealed, cause)
            """, [PostgresArray(fresh.map { contents[$0].dossierCode }), PostgresArray(fresh.map { sealed[$0].keyId }),
                  PostgresArray(fresh.map { ByteA(sealed[$0].bytes) }), PostgresArray(fresh.map { causes[$0] })])
        return fresh
    }

    /// The outcome of a re-check, on the dossier's row.
    func record(_ outcome: CheckOutcome, for content: DossierContent, revision: Int, deadline: Date,
                context: HandlerContext) throws {
        try context.db.execute("""
            UPDATE dossiers SET status = $2, procedure_version = $3, problems = $4::jsonb, revision = $5,
                routed = routed OR $2 = '\(DossierCheckStatus.accepted.rawValue)',
                check_deadline = $6::timestamptz, version = version + 1, updated_at = now()
            WHERE code = $1
            """, [content.dossierCode, outcome.status.rawValue, outcome.procedureVersion, try outcome.problemsJSON, revision, deadline])
    }

    /// The dossier's status, latest revision and member, its row locked; nil when unknown.
    func locked(_ code: String, db: PostgresConnection) throws -> (status: DossierCheckStatus, revision: Int, memberId: String)? {
        // The row lock orders amendments and registry re-checks of one dossier across replicas.
        guard let row = try db.execute("SELECT status, revision, member_id FROM dossiers WHERE code = $1 FOR UPDATE", [code]).first
        else { return nil }
        return (try row.value(DossierCheckStatus.self, "status"), try row.int("revision"), try row.string("member_id"))
    }

    /// Closes a dossier at the submitter's request; returns whether validation still held it (never
    /// passed on to routing, which otherwise closes and announces it), and its member. An accepted dossier is marked
    /// too, silently, so that a return from its route racing the withdrawal does not reopen it here.
    /// nil: the dossier is not here yet.
    func withdraw(_ code: String, reason: String, db: PostgresConnection) throws -> (held: Bool, memberId: String)? {
        guard let row = try db.execute("SELECT status, routed, member_id FROM dossiers WHERE code = $1 FOR UPDATE", [code]).first
        else { return nil }
        let status = try row.value(DossierCheckStatus.self, "status")
        let memberId = try row.string("member_id")
        guard [.awaitingRegistry, .awaitingDocuments, .supplementRequested, .accepted].contains(status) else { return (false, memberId) }
        // A dossier waiting for its supplement (or, amended, for the registry) is validation's to
        // close, also when a route returned it: its expiry is validation's too, and the two are
        // serialised on this row. An accepted one on its route is routing's, unless a return is on
        // its way (`announceAfterReturn`).
        let held = try status != .accepted || !row.bool("routed")
        try db.execute("""
            UPDATE dossiers SET status = $2, unannounced_withdrawal_reason = $3, version = version + 1, updated_at = now()
            WHERE code = $1
            """, [code, DossierCheckStatus.withdrawn.rawValue, held ? nil : reason])
        return (held, memberId)
    }

    /// A return from the route reached a dossier withdrawn silently: routing, which had returned it
    /// before the request, leaves it to validation. The reason and the member to announce, once.
    func announceAfterReturn(_ code: String, db: PostgresConnection) throws -> (reason: String, memberId: String)? {
        try db.execute("""
            UPDATE dossiers d SET unannounced_withdrawal_reason = NULL, updated_at = now()
            FROM (SELECT code, unannounced_withdrawal_reason AS reason FROM dossiers WHERE code = $1 FOR UPDATE) AS old
            WHERE d.code = old.code AND d.status = $2 AND old.reason IS NOT NULL
            RETURNING old.reason, d.member_id
            """, [code, DossierCheckStatus.withdrawn.rawValue]).first.map { (try $0.string("reason"), try $0.string("member_id")) }
    }

    /// The receiving organisation of a dossier; nil when unknown.
    func receivingOrganisation(of code: String, db: PostgresConnection) throws -> String? {
        try db.execute("SELECT receiving_organisation_code FROM dossiers WHERE code = $1", [code])
            .first.map { try $0.string("receiving_organisation_code") }
    }

    /// An organisation on the route returned an accepted dossier: it waits for the supplement.
    /// Whether the dossier was accepted and is now returned.
    func returnedByRoute(_ code: String, problems: [Problem], db: PostgresConnection) throws -> Bool {
        try db.execute("""
            UPDATE dossiers SET status = $3, problems = $2::jsonb, version = version + 1, updated_at = now()
            WHERE code = $1 AND status = $4 RETURNING code
            """, [code, try JSONText(problems), DossierCheckStatus.supplementRequested.rawValue, DossierCheckStatus.accepted.rawValue])
            .first != nil
    }

    /// Dossiers waiting for one of `memberIds` to reach the registry, locked, by code.
    func awaitingRegistry(_ memberIds: [String], db: PostgresConnection) throws -> [(code: String, revision: Int, memberId: String, deadline: Date?)] {
        try db.execute("""
            SELECT code, revision, member_id, \(rfc3339SQL("check_deadline")) AS deadline FROM dossiers
            WHERE status = '\(DossierCheckStatus.awaitingRegistry.rawValue)' AND member_id = ANY($1::text[]) ORDER BY code FOR UPDATE
            """, [PostgresArray(memberIds)]).rows.map { row in
            (try row.string("code"), try row.int("revision"), try row.string("member_id"),
             try row.optionalString("deadline").flatMap(WireJSON.parseTimestamp))
        }
    }

    /// A dossier still waiting for the registry at its check deadline, marked overdue; returns its
    /// receiving organisation, nil when it was checked since.
    func markCheckOverdue(_ code: String, at now: Date, db: PostgresConnection) throws -> String? {
        try db.execute("""
            UPDATE dossiers SET check_overdue_at = $2::timestamptz
            WHERE code = $1 AND status = $3 RETURNING receiving_organisation_code
            """, [code, now, DossierCheckStatus.awaitingRegistry.rawValue]).first.map { try $0.string("receiving_organisation_code") }
    }
}
