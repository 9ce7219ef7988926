import Contracts
import Persistence
import ServiceKit

/// `organisation.registered.v1` / `organisation.updated.v1` → `dues_organisations`: which level
/// each organisation is (its share) and where its remittance goes (its parent). An older revision
/// never overwrites a newer one.
struct DuesOrganisationsHandler: BatchMessageHandler {
    let tables = ["dues_organisations"]
    let messageType: MessageType

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let organisations = try OrganisationRecord.latestRevisions(in: batch)
        try context.db.execute("""
            INSERT INTO dues_organisations (code, kind, parent_code, revision)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[])
            ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, parent_code = excluded.parent_code, revision = excluded.revision
            WHERE dues_organisations.revision < excluded.revision
            """, [PostgresArray(organisations.map(\.code)), PostgresArray(organisations.map(\.kind.rawValue)),
                  PostgresArray(organisations.map(\.parentCode)), PostgresArray(organisations.map(\.revision))])
    }

    static let all: [any MessageHandler] = [
        DuesOrganisationsHandler(messageType: .organisationRegistered),
        DuesOrganisationsHandler(messageType: .organisationUpdated),
    ]
}
