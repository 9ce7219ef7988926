import Contracts
import Foundation
import Logging
import Persistence

/// A column of dossier content (the form, the submitter, the components' declarations) kept sealed
/// at rest (Đ.15.2, issue 17): wire JSON sealed with AES-256-GCM under the service's key ring
/// (`TTHC_HISTORY_KEYS` / `TTHC_HISTORY_KEY_ID`, each service its own keys), the row's identity
/// authenticated so that a sealed value cannot be moved to another row. A legacy plaintext column,
/// where the table had one, is read while it holds a value and emptied by `SealedContentUpkeep`.
public struct SealedColumn: Sendable {
    public let table: String
    public let sealed: String
    public let keyId: String
    /// The plaintext jsonb column rows had before they were sealed; nil for a table born sealed.
    public let legacy: String?
    /// The authenticated context of a row as an SQL expression over its columns; it must equal
    /// what the service passes as `context` when sealing and opening.
    public let contextSQL: String

    public init(table: String, sealed: String, keyId: String, legacy: String? = nil, contextSQL: String) {
        self.table = table
        self.sealed = sealed
        self.keyId = keyId
        self.legacy = legacy
        self.contextSQL = contextSQL
    }

    /// Rows still in plaintext or sealed with another key than the current one (`$1`): a form the
    /// key id's index and a partial index on the plaintext rows answer without reading the table.
    var staleSQL: String { "(\(keyId) < $1 OR \(keyId) > $1" + (legacy.map { " OR \($0) IS NOT NULL" } ?? "") + ")" }
    /// Of those, the rows this service can seal again: in plaintext, or under one of its older keys
    /// (`$1`; a row under a key no longer configured is left for the gauge to show).
    var resealableSQL: String { "(\(keyId) = ANY($1::text[])" + (legacy.map { " OR \($0) IS NOT NULL" } ?? "") + ")" }

    /// The select-list that `SealedContent.open(_:row:in:context:)` reads.
    public func select(prefix: String = "") -> String {
        "\(prefix)\(keyId) AS \(keyId), \(prefix)\(sealed) AS \(sealed)" + (legacy.map { ", \(prefix)\($0)::text AS \($0)" } ?? "")
    }
}

/// Seals and opens the JSON of `SealedColumn`s.
public struct SealedContent: Sendable {
    public let cipher: HistoryCipher

    public init(cipher: HistoryCipher) {
        self.cipher = cipher
    }

    public init(environment: [String: String]) throws {
        cipher = try HistoryCipher(environment: environment)
    }

    public func seal<Value: Encodable>(_ value: Value, context: String) throws -> HistoryCipher.Sealed {
        try cipher.seal(try WireJSON.encode(value), context: context)
    }

    /// The wire JSON of a row's value: from the legacy plaintext while it is there, else opened.
    public func openJSON(row: Row, in column: SealedColumn, context: String) throws -> [UInt8] {
        if let legacy = column.legacy, let plaintext = try row.optionalString(legacy) { return Array(plaintext.utf8) }
        return try cipher.open(HistoryCipher.Sealed(keyId: try row.string(column.keyId), bytes: try row.bytes(column.sealed)),
                               context: context)
    }

    public func open<Value: Decodable>(_ type: Value.Type, row: Row, in column: SealedColumn, context: String) throws -> Value {
        try WireJSON.decode(type, from: try openJSON(row: row, in: column, context: context))
    }
}

/// Keeps sealed columns sealed with the current key: rows still in plaintext (from before the
/// upgrade) and rows sealed with an older key are sealed again, 200 at a time, every minute (every
/// second while a batch made progress and more remain), so that a key rotation completes without
/// downtime and an old key can be removed once `tthc_sealed_content_stale_rows` is 0. Rows are
/// taken with SKIP LOCKED, never waiting for a handler's. A row that does not open (tampered) is
/// logged and left, taking one place per batch; the gauge keeps showing it. Each key id column is indexed, and the
/// plaintext rows partially, so finding stale rows reads indexes, not the table.
public struct SealedContentUpkeep: TimerHandler {
    public let content: SealedContent
    public let columns: [SealedColumn]
    public static let kind = "sealed-content-upkeep"
    public var kind: String { Self.kind }
    public var armedAtStart: [String] { ["all"] }
    static let batch = 200
    static let logger = Logger(label: "tthc.sealed-content")

    public init(content: SealedContent, columns: [SealedColumn]) {
        self.content = content
        self.columns = columns
    }

    public func fire(_ timer: DueTimer, context: HandlerContext) throws {
        var more = false
        let older = PostgresArray(content.cipher.keyIds.filter { $0 != content.cipher.currentKeyId })
        for column in columns {
            let rows = try context.db.execute("""
                SELECT ctid::text AS row_id, \(column.contextSQL) AS row_context, \(column.select())
                FROM \(column.table) WHERE \(column.resealableSQL) LIMIT \(Self.batch) FOR UPDATE SKIP LOCKED
                """, [older]).rows
            var resealed = 0
            for row in rows {
                let rowContext = try row.string("row_context")
                guard let plaintext = try? content.openJSON(row: row, in: column, context: rowContext),
                      let sealed = try? content.cipher.seal(plaintext, context: rowContext) else {
                    Self.logger.error("sealed content does not open", metadata: ["table": .string(column.table), "row": .string(rowContext)])
                    continue
                }
                try context.db.execute("""
                    UPDATE \(column.table) SET \(column.keyId) = $2, \(column.sealed) = $3::bytea\(column.legacy.map { ", \($0) = NULL" } ?? "")
                    WHERE ctid = $1::tid
                    """, [try row.string("row_id"), sealed.keyId, ByteA(sealed.bytes)])
                resealed += 1
            }
            more = more || (rows.count == Self.batch && resealed > 0)
        }
        try Timers.schedule(kind: kind, key: timer.key, dueAt: context.now.addingTimeInterval(more ? 1 : 60),
                            payload: [String: String](), in: context)
    }

    /// Rows still in plaintext or under an older key (counted up to 100 000), per table, on `/metrics`.
    public var gauges: [StoredGauge] {
        let (columns, current) = (self.columns, content.cipher.currentKeyId)
        return [StoredGauge(name: "sealed_content_stale", unit: "rows",
                            help: "Rows of dossier content at rest not sealed with the current key yet (plaintext or an older key)") { db in
            try columns.map { column in
                let n = try db.execute("""
                    SELECT count(*)::int AS n FROM (SELECT 1 FROM \(column.table) WHERE \(column.staleSQL) LIMIT 100000) stale
                    """, [current]).first?.int("n") ?? 0
                return StoredGauge.Sample(labels: [("table", column.table)], value: Double(n))
            }
        }]
    }
}
