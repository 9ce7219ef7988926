import ArgumentParser
import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

extension AuditCommand {
    /// `tthc-admin audit subject --member ID --since …`: every access to one member's data across
    /// the services (Đ.34.6b: within 72 hours of a breach, whose data a component touched). A row
    /// is the member's when it names the member, or one of the dossiers (or PAKN items) any
    /// service's audit log ties to the member (intake's submission entry names both).
    struct Subject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List every access to one party member's data in every service's audit log, oldest first.")

        @Option(help: "The party member's id (mã đảng viên).")
        var member: String

        @Option(help: "From when: an RFC 3339 time, a day (YYYY-MM-DD, Vietnam time) or hours back (72h). Default 72h.")
        var since: String = "72h"

        @Flag(help: "One JSON object per line instead of a table.")
        var json = false

        @Option(help: "PostgreSQL URL of a role that reads every schema (env TTHC_ADMIN_DATABASE_URL).")
        var databaseURL: String = ProcessInfo.processInfo.environment["TTHC_ADMIN_DATABASE_URL"] ?? Verify.developmentURL

        func run() throws {
            guard let from = Self.instant(since, now: Date()) else {
                throw ValidationError("--since: expected an RFC 3339 time, a day YYYY-MM-DD or hours back like 72h, got \(since)")
            }
            let db = try PostgresConnection(url: databaseURL, setupStatements: ["SET client_min_messages = warning"])
            defer { db.close() }
            let rows = try db.transaction { db in
                try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                return try Self.accesses(member: member, since: from, db: db)
            }
            if json {
                for row in rows { print(String(decoding: try WireJSON.encode(row), as: UTF8.self)) }
                return
            }
            let services = Set(rows.map(\.service)).sorted()
            print("member \(member): \(rows.count) access(es) since \(WireJSON.formatTimestamp(from)) in \(services.count) service(s)"
                  + (services.isEmpty ? "" : " (\(services.joined(separator: ", ")))"))
            for row in rows {
                print([row.at, row.service, "\(row.actorKind ?? "officer") \(row.actor)", row.action, row.dossierCode ?? "-",
                       row.allowed ? "allowed" : "REFUSED", row.origin ?? "-", row.detail ?? ""].joined(separator: "  "))
            }
        }

        /// One access, as listed.
        struct Access: Encodable {
            let service: String
            let id: Int
            let at: String
            let actorKind: String?
            let actor: String
            let organisationCode: String?
            let role: String?
            let action: String
            let dossierCode: String?
            let memberId: String?
            let allowed: Bool
            let detail: String?
            let origin: String?
        }

        static func accesses(member: String, since: Date, db: PostgresConnection) throws -> [Access] {
            let schemas = try db.execute("""
                SELECT table_schema FROM information_schema.columns
                WHERE table_name = 'audit_log' AND column_name = 'member_id' ORDER BY table_schema
                """).rows.map { try $0.string("table_schema") }
            // The member's dossiers and PAKN items, as any service recorded them.
            var codes: Set<String> = []
            for schema in schemas {
                for row in try db.execute("SELECT DISTINCT dossier_code FROM \(schema).audit_log WHERE member_id = $1 AND dossier_code IS NOT NULL",
                                          [member]).rows {
                    codes.insert(try row.string("dossier_code"))
                }
            }
            var accesses: [Access] = []
            for schema in schemas {
                accesses += try db.execute("""
                    SELECT id, \(rfc3339SQL("at")) AS at, actor_kind, person_id, organisation_code, role, action, dossier_code,
                           member_id, allowed, detail, origin
                    FROM \(schema).audit_log
                    WHERE at >= $1::timestamptz AND (member_id = $2 OR dossier_code = ANY($3::text[]))
                    """, [since, member, PostgresArray(codes.sorted())]).rows.map {
                    Access(service: schema, id: try $0.int("id"), at: try $0.string("at"), actorKind: try $0.optionalString("actor_kind"),
                           actor: try $0.string("person_id"), organisationCode: try $0.optionalString("organisation_code"),
                           role: try $0.optionalString("role"), action: try $0.string("action"), dossierCode: try $0.optionalString("dossier_code"),
                           memberId: try $0.optionalString("member_id"), allowed: try $0.bool("allowed"), detail: try $0.optionalString("detail"),
                           origin: try $0.optionalString("origin"))
                }
            }
            return accesses.sorted { ($0.at, $0.service, $0.id) < ($1.at, $1.service, $1.id) }
        }

        /// `72h`, a day (from its start in Vietnam time) or an RFC 3339 time.
        static func instant(_ text: String, now: Date) -> Date? {
            if text.hasSuffix("h"), let hours = Double(text.dropLast()), hours >= 0 { return now.addingTimeInterval(-hours * 3600) }
            if text.count == 10, let day = VietnamTime.startOfDay(text) { return day }
            return WireJSON.parseTimestamp(text) ?? ISO8601DateFormatter().date(from: text)
        }
    }
}
