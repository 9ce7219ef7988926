import Calendar
import Foundation

/// The wire envelope of every TTHC message: a CloudEvents 1.0 document in structured JSON mode
/// (ARCHITECTURE §2). Readers ignore unknown fields within a major version.
public struct Envelope<Payload: Codable & Sendable>: Codable, Sendable {
    public var specversion: String
    public var id: String
    public var source: String
    public var type: String
    public var time: Date
    public var subject: String?
    public var datacontenttype: String?
    public var dataschema: String?
    /// W3C trace context, carried from message to message (CloudEvents distributed-tracing extension).
    public var traceparent: String?
    public var data: Payload

    public init(id: String = UUID().uuidString.lowercased(), source: String, type: MessageType, time: Date = Date(),
                subject: String? = nil, traceparent: String? = nil, data: Payload) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type.cloudEventType
        self.time = time
        self.subject = subject
        self.datacontenttype = "application/json"
        self.dataschema = type.schemaURI
        self.traceparent = traceparent
        self.data = data
    }
}

/// The envelope without its data: enough to route, deduplicate and dead-letter a message.
public struct EnvelopeHeader: Decodable, Sendable {
    public var specversion: String
    public var id: String
    public var source: String
    public var type: String
    public var time: Date?
    public var subject: String?
    public var traceparent: String?
}

/// JSON coding shared by every service: ISO 8601 times with milliseconds, sorted keys.
public enum WireJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 time: \(text)")
            }
            guard WireText.timeRange.contains(date) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "time \(text) is outside the years \(WireText.years.lowerBound)–\(WireText.years.upperBound)")
            }
            return date
        }
        return decoder
    }

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try encoder().encode(value)) }

    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder().decode(type, from: Data(bytes))
    }

    public static func formatTimestamp(_ date: Date) -> String {
        Timestamp.format(date)
    }

    public static func parseTimestamp(_ text: String) -> Date? {
        // Fast path for UTC times, which is what TTHC itself writes.
        if text.hasSuffix("Z") {
            if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
                return date
            }
            if let date = try? Date(text, strategy: .iso8601) { return date }
        }
        // RFC 3339 with an offset, e.g. +07:00.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
