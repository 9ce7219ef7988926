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
            let services = Set(rows.compactMap(\.service)).sorted()
            print("member \(member): \(rows.count) access(es) since \(WireJSON.formatTimestamp(from)) in \(services.count) service(s)"
                  + (services.isEmpty ? "" : " (\(services.joined(separator: ", ")))"))
            for row in rows {
                print([row.at, row.service ?? "-", "\(row.actorKind ?? "officer") \(row.personId)", row.action, row.dossierCode ?? "-",
                       row.allowed ? "allowed" : "REFUSED", row.origin ?? "-", row.detail ?? ""].joined(separator: "  "))
            }
        }

        static func accesses(member: String, since: Date, db: PostgresConnection) throws -> [AuditRecord] {
            let schemas = try db.execute("""
                SELECT table_schema FROM information_schema.columns
                WHERE table_name = 'audit_log' AND column_name = 'member_id' ORDER BY table_schema
                """).rows.map { try $0.string("table_schema") }.filter { $0.allSatisfy { $0.isLetter || $0 == "_" } }
            // The member's dossiers and PAKN items: those the services keep for the member (also
            // from before the audit named members), and those any audit entry ties to the member.
            var codes: Set<String> = []
            for (table, sql) in [("intake.dossiers", "SELECT code AS c FROM intake.dossiers WHERE member_id = $1"),
                                 ("intake.feedback", "SELECT code AS c FROM intake.feedback WHERE sender_kind = 'member' AND sender_id = $1"),
                                 ("routing.routes", "SELECT dossier_code AS c FROM routing.routes WHERE member_id = $1")]
            where try db.execute("SELECT to_regclass($1)::text AS t", [table]).first?.optionalString("t") != nil {
                for row in try db.execute(sql, [member]).rows { codes.insert(try row.string("c")) }
            }
            for schema in schemas {
                for row in try db.execute("SELECT DISTINCT dossier_code FROM \(schema).audit_log WHERE member_id = $1 AND dossier_code IS NOT NULL",
                                          [member]).rows {
                    codes.insert(try row.string("dossier_code"))
                }
            }
            var accesses: [AuditRecord] = []
            for schema in schemas {
                accesses += try db.execute("""
                    SELECT \(AuditRecord.columnsSQL) FROM \(schema).audit_log
                    WHERE at >= $1::timestamptz AND (member_id = $2 OR dossier_code = ANY($3::text[]))
                    """, [since, member, PostgresArray(codes.sorted())]).rows.map { try AuditRecord(row: $0, service: schema) }
            }
            return accesses.sorted { ($0.at, $0.service ?? "", $0.id) < ($1.at, $1.service ?? "", $1.id) }
        }

        /// `72h`, a day (from its start in Vietnam time) or an RFC 3339 time.
        static func instant(_ text: String, now: Date) -> Date? {
            if text.hasSuffix("h"), let hours = Double(text.dropLast()), hours >= 0 { return now.addingTimeInterval(-hours * 3600) }
            if text.count == 10, let day = VietnamTime.startOfDay(text), VietnamTime.dayString(day) == text { return day }
            if text.count == 10 { return nil }  // not a real day (2026-02-30)
            return WireJSON.parseTimestamp(text) ?? ISO8601DateFormatter().date(from: text)
        }
    }
}
