import Signatures
import Foundation
import Logging

/// One schema migration: `NNN_name.sql`, applied once, in order, recorded with its checksum.
public struct Migration: Sendable, Equatable {
    /// Migrations of different scopes share a schema but number independently
    /// (ServiceKit's own tables are scope `servicekit`, a service's files scope `service`).
    public let scope: String
    public let version: Int
    public let name: String
    public let sql: String

    public init(scope: String, version: Int, name: String, sql: String) {
        self.scope = scope
        self.version = version
        self.name = name
        self.sql = sql
    }

    public var checksum: String { sha256Hex(Array(sql.utf8)) }

    /// Checksums of this migration's earlier text that a schema may have applied, declared in the
    /// file as `-- former-checksum: <sha256>` lines (like Liquibase's `validCheckSum`): an edit
    /// that moved SQL elsewhere without changing what an applied schema holds. Any other edit of
    /// an applied migration still stops the service. The recorded checksum is left as it is, so
    /// replicas of the previous version (a rolling deploy, a rollback) still start.
    public var formerChecksums: Set<String> {
        let prefix = "-- former-checksum:"
        return Set(sql.split(separator: "\n").compactMap { line in
            line.hasPrefix(prefix) ? line.dropFirst(prefix.count).trimmingCharacters(in: .whitespacesAndNewlines) : nil
        })
    }

    /// Reads `NNN_name.sql` files from a folder, sorted by number.
    public static func load(scope: String, from folder: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for file in files {
            let stem = String(file.dropLast(4))
            guard let underscore = stem.firstIndex(of: "_"), let version = Int(stem[..<underscore]) else {
                throw MigrationError.badFileName(file)
            }
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(scope: scope, version: version,
                                        name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw MigrationError.duplicateVersion(scope, a.version)
        }
        return migrations
    }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case badFileName(String)
    case duplicateVersion(String, Int)
    case checksumMismatch(scope: String, version: Int, name: String)

    public var description: String {
        switch self {
        case .badFileName(let f): "migration file \(f) is not named NNN_name.sql"
        case .duplicateVersion(let s, let v): "two \(s) migrations have number \(v)"
        case .checksumMismatch(let s, let v, let n):
            "applied \(s) migration \(v) (\(n)) was edited after it ran: add a new migration instead"
        }
    }
}

/// Applies migrations to the connection's schema under an advisory lock, so that replicas
/// starting together apply each migration exactly once.
public struct MigrationRunner {
    public let schema: String
    let logger: Logger

    public init(schema: String, logger: Logger) {
        self.schema = schema
        self.logger = logger
    }

    /// Returns the migrations applied by this call.
    @discardableResult
    public func run(_ migrations: [Migration], on db: PostgresConnection) throws -> [Migration] {
        let lockKey = "tthc.migrations.\(schema)"
        try db.execute("SELECT pg_advisory_lock(hashtext($1))", [lockKey])
        defer { _ = try? db.execute("SELECT pg_advisory_unlock(hashtext($1))", [lockKey]) }
        try db.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                scope text NOT NULL, version int NOT NULL, name text NOT NULL, checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (scope, version))
            """)
        var applied: [Migration] = []
        for migration in migrations {
            let existing = try db.execute(
                "SELECT checksum FROM schema_migrations WHERE scope = $1 AND version = $2",
                [migration.scope, migration.version])
            if let row = existing.first {
                let recorded = try row.string("checksum")
                if recorded == migration.checksum { continue }
                guard migration.formerChecksums.contains(recorded) else {
                    throw MigrationError.checksumMismatch(scope: migration.scope, version: migration.version,
                                                          name: migration.name)
                }
                continue
            }
            try db.transaction { tx in
                try tx.executeScript(migration.sql)
                try tx.execute(
                    "INSERT INTO schema_migrations (scope, version, name, checksum) VALUES ($1, $2, $3, $4)",
                    [migration.scope, migration.version, migration.name, migration.checksum])
            }
            logger.info("applied migration", metadata: [
                "scope": .string(migration.scope), "version": .stringConvertible(migration.version),
                "name": .string(migration.name),
            ])
            applied.append(migration)
        }
        return applied
    }
}

