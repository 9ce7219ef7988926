import ArgumentParser
import Foundation
import Persistence
import ServiceKit

/// `tthc-admin audit verify`: recomputes every hash chain of the services' audit logs from the
/// rows alone and names the first row that breaks one (a changed, removed or inserted row).
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The services' audit logs (Đ.19.3b, Đ.34.6b): verify their hash chains, list the accesses to one member's data.", subcommands: [Verify.self, Subject.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every chain; exit 1 naming the first broken row of each schema that has one.")

        @Option(help: "PostgreSQL URL of a role that reads every schema (env TTHC_ADMIN_DATABASE_URL; the local development superuser by default).")
        var databaseURL: String = ProcessInfo.processInfo.environment["TTHC_ADMIN_DATABASE_URL"] ?? Self.developmentURL

        @Option(name: .customLong("schema"), help: "A schema to verify (repeatable); every schema with an audit log by default.")
        var schemas: [String] = []

        static var developmentURL: String {
            let environment = ProcessInfo.processInfo.environment
            let port = environment["TTHC_PG_PORT"] ?? "5432"
            if let socket = environment["TTHC_PG_SOCKET_DIR"], !socket.isEmpty {
                return "postgresql://postgres@/tthc?host=\(socket)&port=\(port)"
            }
            return "postgres://postgres@127.0.0.1:\(port)/tthc"
        }

        func run() throws {
            let db = try PostgresConnection(url: databaseURL, setupStatements: ["SET client_min_messages = warning",
                                                                                 "SET client_encoding = 'UTF8'"])
            defer { db.close() }
            // One snapshot: a link and its head commit together, a checkpoint only after both.
            let broken = try db.transaction { db -> Bool in
                try db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                let found = try db.execute("""
                    SELECT table_schema FROM information_schema.columns
                    WHERE table_name = 'audit_log' AND column_name = 'hash' ORDER BY table_schema
                    """).rows.map { try $0.string("table_schema") }
                let checkpointed = try db.execute("SELECT to_regclass('archive.audit_checkpoints')::text AS t").first?
                    .optionalString("t") == nil ? nil : try db.execute("SELECT DISTINCT service FROM archive.audit_checkpoints ORDER BY service")
                    .rows.map { try $0.string("service") }
                if checkpointed == nil { print("warning: archive.audit_checkpoints cannot be read: chains are checked without checkpoints") }
                var broken = false
                // A service that checkpointed but whose audit log is gone (dropped, or out of this role's sight).
                for service in (checkpointed ?? []) where self.schemas.isEmpty && !found.contains(service) {
                    broken = true
                    print("\(service).audit_log: MISSING (the service published checkpoints)")
                }
                for schema in self.schemas.isEmpty ? found : self.schemas {
                    guard schema.allSatisfy({ $0.isLetter || $0 == "_" }) else { throw ValidationError("not a schema name: \(schema)") }
                    let result = try AuditChain.verify(schema: schema, checkpoints: checkpointed == nil ? nil : "archive.audit_checkpoints", db: db)
                    if let failure = result.broken {
                        broken = true
                        print("\(schema).audit_log: BROKEN at \(failure)")
                    } else {
                        print("\(schema).audit_log: ok (\(result.rows) rows in \(result.chains) chains)")
                    }
                }
                return broken
            }
            if broken { throw ExitCode(1) }
        }
    }
}
