import Calendar
import Contracts
import Foundation

/// The service's notion of "now". Normally the system clock; tests start a service at a chosen
/// instant with TTHC_CLOCK_START (RFC 3339), from which time then runs at normal speed, so that
/// working-time rules (a Friday evening, Tết) can be exercised end to end. TTHC_CLOCK_FILE names a
/// file holding an RFC 3339 instant that tests rewrite to move time (e.g. across a weekend to fire
/// a deadline timer); time runs on from the file's modification.
public struct ServiceClock: Sendable {
    private let offset: TimeInterval
    private let file: String?

    public init(start: Date? = nil) {
        self.init(offset: start.map { $0.timeIntervalSinceNow } ?? 0, file: nil)
    }

    private init(offset: TimeInterval, file: String?) {
        self.offset = offset
        self.file = file
    }

    public init(environment: [String: String]) throws {
        if let path = environment["TTHC_CLOCK_FILE"], !path.isEmpty {
            guard Self.read(path) != nil else {
                throw ConfigurationError(variable: "TTHC_CLOCK_FILE", problem: "\(path) must hold an RFC 3339 time")
            }
            self.init(offset: 0, file: path)
            return
        }
        guard let text = environment["TTHC_CLOCK_START"], !text.isEmpty else {
            self.init()
            return
        }
        guard let start = WireJSON.parseTimestamp(text) else {
            throw ConfigurationError(variable: "TTHC_CLOCK_START", problem: "must be an RFC 3339 time, got \"\(text)\"")
        }
        self.init(start: start)
    }

    public var now: Date {
        if let file, let (instant, written) = Self.read(file) { return instant.addingTimeInterval(Date().timeIntervalSince(written)) }
        return Date().addingTimeInterval(offset)
    }

    /// The instant in the file and when the file was written.
    private static func read(_ path: String) -> (Date, Date)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let written = attributes[.modificationDate] as? Date,
              let text = try? String(contentsOfFile: path, encoding: .utf8),
              let instant = WireJSON.parseTimestamp(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return nil }
        return (instant, written)
    }
}
