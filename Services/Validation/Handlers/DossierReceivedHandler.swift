import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `dossier.received.v1` → content check (Đ.14.2) → `dossier.accepted.v1`, one
/// `dossier.supplement-requested.v1` with every problem, `dossier.refused.v1`, or (member not yet
/// in the registry replica) a wait with the 8-working-hour overdue timer. A batch costs a few
/// statements: one read of the members, one insert of the dossiers, one of the revisions.
struct DossierReceivedHandler: BatchMessageHandler {
    let tables = ["dossiers", "dossier_revisions", "timers"]
    let messageType = MessageType.dossierReceived
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let received = try batch.map { try $0.decode(DossierReceivedV1.self).data }
        let members = try desk.members(received.map(\.submitter.memberId) + received.compactMap(\.delegation?.memberDelegateId),
                                       db: context.db)
        var contents: [DossierContent] = []
        var outcomes: [CheckOutcome] = []
        var deadlines: [Date] = []
        var sealed: [HistoryCipher.Sealed] = []
        let calendars = try desk.check.calendars.calendars(for: Set(received.map(\.receivingOrganisationCode)), db: context.db)
        for dossier in received {
            let content = DossierContent(received: dossier)
            contents.append(content)
            outcomes.append(desk.check.check(content, member: members[dossier.submitter.memberId],
                                             delegate: dossier.delegation?.memberDelegateId.flatMap { members[$0] }))
            deadlines.append(try desk.check.checkDeadline(for: content, in: calendars[content.receivingOrganisationCode]))
            sealed.append(try desk.sealedRevision(content, revision: 1))
        }
        let inserted = try context.db.execute("""
            INSERT INTO dossiers (code, procedure_code, receiving_organisation_code, member_id, official_receipt_at,
                                  status, procedure_version, problems, check_deadline)
            SELECT code, procedure, organisation, member, receipt, status, version, problems::jsonb, deadline
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::int[],
                        $8::text[], $9::timestamptz[])
                AS t(code, procedure, organisation, member, receipt, status, version, problems, deadline)
            ON CONFLICT (code) DO NOTHING
            RETURNING code
            """, [PostgresArray(contents.map(\.dossierCode)), PostgresArray(contents.map(\.procedureCode)),
                  PostgresArray(contents.map(\.receivingOrganisationCode)), PostgresArray(contents.map(\.submitter.memberId)),
                  PostgresArray(contents.map(\.officialReceiptAt)), PostgresArray(outcomes.map(\.status)),
                  PostgresArray(outcomes.map { $0.procedureVersion.map(String.init) }),
                  PostgresArray(try outcomes.map { try $0.problemsJSON }), PostgresArray(deadlines)])
        // A second `received` for the same dossier (e.g. an intake replay) changes nothing.
        var new = Set(try inserted.rows.map { try $0.string("code") })
        var fresh: [Int] = []
        for (index, content) in contents.enumerated() where new.remove(content.dossierCode) != nil { fresh.append(index) }
        guard !fresh.isEmpty else { return }
        try context.db.execute("""
            INSERT INTO dossier_revisions (dossier_code, revision, key_id, sealed, cause)
            SELECT code, 1, key_id, sealed, cause FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[])
                AS t(code, key_id, sealed, cause)
            """, [PostgresArray(fresh.map { contents[$0].dossierCode }), PostgresArray(fresh.map { sealed[$0].keyId }),
                  PostgresArray(fresh.map { ByteA(sealed[$0].bytes) }),
                  PostgresArray(fresh.map { "received \(batch[$0].id)" })])
        for index in fresh {
            try desk.announce(outcomes[index], for: contents[index], deadline: deadlines[index], cause: batch[index], context: context)
        }
    }
}
