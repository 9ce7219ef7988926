import Calendar
import Foundation
import Signatures

/// A value sent as a statement parameter in PostgreSQL's text format.
public protocol PostgresEncodable {
    var postgresText: String { get }
}

extension String: PostgresEncodable { public var postgresText: String { self } }
extension Int: PostgresEncodable { public var postgresText: String { String(self) } }
extension Int64: PostgresEncodable { public var postgresText: String { String(self) } }
extension Bool: PostgresEncodable { public var postgresText: String { self ? "t" : "f" } }
extension UUID: PostgresEncodable { public var postgresText: String { uuidString.lowercased() } }

extension Date: PostgresEncodable {
    /// ISO 8601 with milliseconds, in UTC; cast with `::timestamptz`.
    public var postgresText: String { Timestamp.format(self) }
}

/// `bytea` in hex form.
public struct ByteA: PostgresEncodable {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    public var postgresText: String { "\\x" + bytes.hexString }
}

/// A one-dimensional array literal (`{"a","b"}`), each element quoted and escaped; cast in SQL
/// (`$1::text[]`). Used to send a whole batch in one statement with `unnest`.
public struct PostgresArray: PostgresEncodable {
    public let elements: [String?]
    public init(_ elements: [String?]) { self.elements = elements }
    public init<T: PostgresEncodable>(_ elements: [T]) { self.elements = elements.map { $0.postgresText } }

    public var postgresText: String {
        // Byte by byte: a batch array can hold thousands of elements. Bytes of multi-byte UTF-8
        // characters are never `"` or `\`, so escaping bytes is escaping characters.
        let (quote, backslash, comma) = (UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ","))
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(elements.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
        for (i, element) in elements.enumerated() {
            if i > 0 { out.append(comma) }
            guard let element else { out.append(contentsOf: "NULL".utf8); continue }
            out.append(quote)
            for byte in element.utf8 {
                if byte == quote || byte == backslash { out.append(backslash) }
                out.append(byte)
            }
            out.append(quote)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}

/// SQL rendering a `timestamptz` column as RFC 3339 UTC text with milliseconds (the wire format,
/// read back exactly by `WireJSON.parseTimestamp`). `column` is a column name from code, never input.
public func rfc3339SQL(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
}
