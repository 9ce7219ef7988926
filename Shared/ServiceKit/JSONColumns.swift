import Contracts
import Persistence

/// A value sent as a statement parameter in its wire JSON (cast `::jsonb` in SQL).
public struct JSONText: PostgresEncodable, Sendable {
    public let text: String

    public init<Value: Encodable>(_ value: Value) throws {
        text = String(decoding: try WireJSON.encode(value), as: UTF8.self)
    }

    public var postgresText: String { text }
}

extension PostgresArray {
    /// A `jsonb[]` parameter: each value in its wire JSON.
    public static func json<Value: Encodable>(_ values: [Value]) throws -> PostgresArray {
        PostgresArray(try values.map { try JSONText($0).text })
    }
}

extension Row {
    /// A `jsonb`/`json` column (selected as text) decoded with the wire's rules.
    public func json<Value: Decodable>(_ type: Value.Type, _ column: String) throws -> Value {
        try WireJSON.decode(type, from: Array(try string(column).utf8))
    }

    public func optionalJSON<Value: Decodable>(_ type: Value.Type, _ column: String) throws -> Value? {
        try optionalString(column).map { try WireJSON.decode(type, from: Array($0.utf8)) }
    }
}
