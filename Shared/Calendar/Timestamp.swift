import Foundation

/// RFC 3339 timestamps in UTC with milliseconds, rounded (not truncated) so that a time read
/// from the wire is written back unchanged.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        let t = CivilTime(date)
        var out = CivilTime.Text(capacity: 24)
        out.append(t.year, width: 4, then: "-")
        out.append(t.month, width: 2, then: "-")
        out.append(t.day, width: 2, then: "T")
        out.append(t.hour, width: 2, then: ":")
        out.append(t.minute, width: 2, then: ":")
        out.append(t.second, width: 2, then: ".")
        out.append(t.millisecond, width: 3, then: "Z")
        return out.string
    }
}

/// An instant broken down into civil time at a fixed offset from UTC (Vietnam has one: UTC+7, no
/// daylight saving), by the C library. Every message carries timestamps and every statement
/// sends some: Foundation's Calendar and `String(format:)` were a visible share of each service's CPU.
public struct CivilTime: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int
    public let hour: Int
    public let minute: Int
    public let second: Int
    public let millisecond: Int

    public init(_ date: Date, offsetSeconds: Int = 0) {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded()) + Int64(offsetSeconds) * 1000
        var seconds = time_t(totalMillis >= 0 ? totalMillis / 1000 : (totalMillis - 999) / 1000)
        millisecond = Int(totalMillis - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        year = Int(parts.tm_year) + 1900
        month = Int(parts.tm_mon) + 1
        day = Int(parts.tm_mday)
        hour = Int(parts.tm_hour)
        minute = Int(parts.tm_min)
        second = Int(parts.tm_sec)
    }

    /// Zero-padded numbers and separators written as ASCII bytes.
    public struct Text {
        private var bytes: [UInt8] = []
        public init(capacity: Int) { bytes.reserveCapacity(capacity) }

        public mutating func append(_ number: Int, width: Int, then separator: Unicode.Scalar? = nil) {
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width))
            var rest = abs(number)
            for index in stride(from: start + width - 1, through: start, by: -1) {
                bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            if let separator { bytes.append(UInt8(separator.value)) }
        }

        public var string: String { String(decoding: bytes, as: UTF8.self) }
    }
}
