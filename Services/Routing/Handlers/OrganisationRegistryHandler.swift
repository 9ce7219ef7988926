import Contracts
import Foundation
import Persistence
import ServiceKit

/// `organisation.registered.v1` / `organisation.updated.v1` keep the organisation registry
/// replica; an older revision never overwrites a newer one. Routes that waited for one of these
/// organisations are planned now.
struct OrganisationRegistryHandler: BatchMessageHandler {
    let tables = ["organisations", "routes", "route_steps", "route_history", "timers"]
    let messageType: MessageType
    let desk: RouteDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let organisations = try OrganisationRecord.latestRevisions(in: batch)
        // Every code of the batch is among the latest revisions: checking them checks all.
        for organisation in organisations
        where organisation.code.range(of: "^[A-Z0-9.]{2,32}$", options: .regularExpression) == nil {
            throw PermanentFailure(code: "invalid-organisation-code", reason: "organisation code \(organisation.code) is not A-Z, 0-9 and dots")
        }
        // A software user names a RabbitMQ user and a routing-key prefix on tthc.organisations.
        for organisation in organisations {
            if let user = organisation.softwareUser, user.range(of: "^[a-z0-9-]{1,64}$", options: .regularExpression) == nil {
                throw PermanentFailure(code: "invalid-software-user", reason: "softwareUser of \(organisation.code) must be 1–64 of a-z, 0-9 and -")
            }
        }
        try context.db.execute("""
            INSERT INTO organisations (code, kind, parent_code, software_user, record, revision)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[])
            ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, parent_code = excluded.parent_code,
                software_user = excluded.software_user, record = excluded.record, revision = excluded.revision,
                updated_at = now()
            WHERE organisations.revision < excluded.revision
            """, [PostgresArray(organisations.map(\.code)), PostgresArray(organisations.map(\.kind.rawValue)),
                  PostgresArray(organisations.map(\.parentCode)), PostgresArray(organisations.map(\.softwareUser)),
                  try PostgresArray.json(organisations),
                  PostgresArray(organisations.map(\.revision))])
        // After the replica's rows, under the lock a route takes to wait (RouteDesk.start): a route
        // deciding to wait either sees these organisations or is found here.
        try RouteDesk.lockRegistry(context.db)
        for accepted in try desk.store.awaiting(organisations: organisations.map(\.code), db: context.db) {
            try desk.start(accepted, cause: nil, context: context)
        }
    }
}
