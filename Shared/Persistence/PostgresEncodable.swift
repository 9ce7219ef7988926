import Calendar
import Foundation

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
        var text = "{"
        for (i, element) in elements.enumerated() {
            if i > 0 { text += "," }
            guard let element else { text += "NULL"; continue }
            text += "\""
            for ch in element.unicodeScalars {
                if ch == "\"" || ch == "\\" { text += "\\" }
                text.unicodeScalars.append(ch)
            }
            text += "\""
        }
        return text + "}"
    }
}

extension Array where Element == UInt8 {
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        self = bytes
    }
}

/// SQL rendering a `timestamptz` column as RFC 3339 UTC text with milliseconds (the wire format,
/// read back exactly by `WireJSON.parseTimestamp`). `column` is a column name from code, never input.
public func rfc3339SQL(_ column: String) -> String {
    "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
}
