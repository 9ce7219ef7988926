import Calendar
import Contracts
import Foundation

/// The service's notion of "now". Normally the system clock; tests start a service at a chosen
/// instant with TTHC_CLOCK_START (RFC 3339), from which time then runs at normal speed, so that
/// working-time rules (a Friday evening, Tết) can be exercised end to end.
public struct ServiceClock: Sendable {
    private let offset: TimeInterval

    public init(start: Date? = nil) {
        offset = start.map { $0.timeIntervalSinceNow } ?? 0
    }

    public init(environment: [String: String]) throws {
        guard let text = environment["TTHC_CLOCK_START"], !text.isEmpty else {
            self.init()
            return
        }
        guard let start = WireJSON.parseTimestamp(text) else {
            throw ConfigurationError(variable: "TTHC_CLOCK_START", problem: "must be an RFC 3339 time, got \"\(text)\"")
        }
        self.init(start: start)
    }

    public var now: Date { Date().addingTimeInterval(offset) }
}
