import CLibPQ

/// The rows of a result, copied out of libpq (text format).
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    public let affectedRows: Int
    /// The command completed: "INSERT 0 1", "COMMIT", "ROLLBACK"...
    public let commandTag: String

    init(_ result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var index: [String: Int] = [:]
        for (i, name) in columns.enumerated() { index[name] = i }
        let rowCount = Int(PQntuples(result))
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            rows.append(Row(values: values, columnIndex: index))
        }
        self.columns = columns
        self.rows = rows
        self.affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
        self.commandTag = String(cString: PQcmdStatus(result))
    }

    public var first: Row? { rows.first }
}

/// One row, read by column name with typed accessors.
public struct Row: Sendable {
    public let values: [String?]
    let columnIndex: [String: Int]

    public func optionalString(_ column: String) throws -> String? {
        guard let i = columnIndex[column] else { throw RowError.noSuchColumn(column) }
        return values[i]
    }

    public func string(_ column: String) throws -> String {
        guard let value = try optionalString(column) else { throw RowError.unexpectedNull(column) }
        return value
    }

    public func int(_ column: String) throws -> Int {
        let text = try string(column)
        guard let value = Int(text) else { throw RowError.badValue(column, text) }
        return value
    }

    public func optionalInt(_ column: String) throws -> Int? {
        guard let text = try optionalString(column) else { return nil }
        guard let value = Int(text) else { throw RowError.badValue(column, text) }
        return value
    }

    public func bool(_ column: String) throws -> Bool { try string(column) == "t" }

    public func optionalBool(_ column: String) throws -> Bool? { try optionalString(column).map { $0 == "t" } }

    /// A text column holding one case of an enum (a status, a decision).
    public func value<Value: RawRepresentable<String>>(_ type: Value.Type, _ column: String) throws -> Value {
        guard let value = try optionalValue(type, column) else { throw RowError.unexpectedNull(column) }
        return value
    }

    public func optionalValue<Value: RawRepresentable<String>>(_ type: Value.Type, _ column: String) throws -> Value? {
        guard let text = try optionalString(column) else { return nil }
        guard let value = Value(rawValue: text) else { throw RowError.badValue(column, text) }
        return value
    }

    /// A `bytea` column (hex output format).
    public func bytes(_ column: String) throws -> [UInt8] {
        let text = try string(column)
        guard text.hasPrefix("\\x"), let bytes = [UInt8](hex: String(text.dropFirst(2))) else {
            throw RowError.badValue(column, String(text.prefix(20)))
        }
        return bytes
    }
}

public enum RowError: Error, CustomStringConvertible {
    case noSuchColumn(String)
    case unexpectedNull(String)
    case badValue(String, String)

    public var description: String {
        switch self {
        case .noSuchColumn(let c): "no column \(c) in result"
        case .unexpectedNull(let c): "column \(c) is NULL"
        case .badValue(let c, let v): "column \(c) has unexpected value \(v)"
        }
    }
}
