import Calendar
import Foundation

/// The services' clock under a test's control: a file named by `TTHC_CLOCK_FILE` that holds the
/// current instant (ServiceClock reads it), set in Vietnam local time.
public final class ControllableClock {
    public let file: URL
    /// Pass to the services started for the test.
    public var environment: [String: String] { ["TTHC_CLOCK_FILE": file.path] }

    public init(_ local: String) throws {
        file = FileManager.default.temporaryDirectory.appendingPathComponent("tthc-clock-\(UUID().uuidString)")
        try set(local)
    }

    deinit { try? FileManager.default.removeItem(at: file) }

    /// `2026-12-04 10:00`, Vietnam time.
    public func set(_ local: String) throws {
        guard let instant = VietnamTime.parse(local: local) else { throw CocoaError(.formatting) }
        try Timestamp.format(instant).write(to: file, atomically: true, encoding: .utf8)
    }
}
