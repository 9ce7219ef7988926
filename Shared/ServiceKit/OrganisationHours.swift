import Calendar
import Contracts
import Foundation
import Persistence

/// The office hours (giờ làm việc) of party organisations, replicated from the registry's
/// `organisation.registered.v1` / `organisation.updated.v1` into the service's own
/// `organisation_hours` table: intake dates a receipt and validation counts its check time in the
/// receiving organisation's own hours, not a guess from its code. An older revision never
/// overwrites a newer one.
public struct OrganisationHoursHandler: BatchMessageHandler {
    public let tables = ["organisation_hours"]
    public let messageType: MessageType

    public init(messageType: MessageType) {
        self.messageType = messageType
    }

    public func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let rows = try OrganisationRecord.latestRevisions(in: batch)
        try context.db.execute("""
            INSERT INTO organisation_hours (code, office_hours, revision, updated_at)
            SELECT code, hours, revision, $4::timestamptz FROM unnest($1::text[], $2::jsonb[], $3::int[]) AS t(code, hours, revision)
            ON CONFLICT (code) DO UPDATE SET office_hours = excluded.office_hours, revision = excluded.revision,
                updated_at = excluded.updated_at
            WHERE organisation_hours.revision < excluded.revision
            """, [PostgresArray(rows.map(\.code)),
                  PostgresArray(try rows.map { row in try row.officeHours.map { try JSONText($0).text } }),
                  PostgresArray(rows.map(\.revision)), context.now])
    }

    /// One handler per registry event type, for a service's consumer.
    public static let all: [any MessageHandler] = [
        OrganisationHoursHandler(messageType: .organisationRegistered),
        OrganisationHoursHandler(messageType: .organisationUpdated),
    ]
}

extension OrganisationRecord {
    /// The newest revision of each organisation a batch of `organisation.*.v1` events carries, in
    /// code order (so replicas writing the same rows lock them in the same order); one row per
    /// organisation, as one upsert statement may touch a row only once.
    public static func latestRevisions(in batch: [IncomingMessage]) throws -> [OrganisationRecord] {
        var latest: [String: OrganisationRecord] = [:]
        for message in batch {
            let organisation = try message.decodeExternal(OrganisationRecord.self).data
            if (latest[organisation.code]?.revision ?? Int.min) < organisation.revision { latest[organisation.code] = organisation }
        }
        return latest.values.sorted { $0.code < $1.code }
    }
}

extension OfficeCalendars {
    /// The calendars of `codes`, each in its organisation's replicated office hours (one
    /// statement for a batch); the bundled hours for an organisation not replicated yet.
    public func calendars(for codes: Set<String>, db: PostgresConnection) throws -> [String: WorkingCalendar] {
        var hours: [String: [String]] = [:]
        for row in try db.execute("""
            SELECT code, office_hours::text AS hours FROM organisation_hours WHERE code = ANY($1::text[]) AND office_hours IS NOT NULL
            """, [PostgresArray(codes.sorted())]).rows {
            hours[try row.string("code")] = try? row.json([String].self, "hours")
        }
        return Dictionary(uniqueKeysWithValues: codes.map { ($0, calendar(for: $0, officeHours: hours[$0])) })
    }
}
