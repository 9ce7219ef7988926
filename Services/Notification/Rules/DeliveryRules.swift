import Foundation

/// A channel a notice leaves the system by (the account inbox is not one: a notice is in the
/// account as soon as it is written).
public enum DeliveryChannel: String, Sendable, Codable, CaseIterable {
    case email
    case sms
}

/// Where one notice stands on one channel (giao nhận thông báo):
/// `queued` → `sent` (the mail server or SMS gateway took it) → `delivered` (the SMS gateway's
/// delivery report) or `failed`; `queued` → `bounced` (the server refused the address for good) or
/// `failed` (given up after the configured time, or a text no channel can carry). A temporary
/// failure keeps it `queued` for another attempt.
public enum DeliveryState: String, Sendable, Codable, CaseIterable {
    case queued, sent, delivered, failed, bounced

    public var isFinal: Bool { self == .delivered || self == .failed || self == .bounced }

    /// What happened to a delivery.
    public enum Event: Sendable, Equatable {
        /// The provider took the message (an SMTP 250 after the data, an SMS gateway's acceptance).
        case handedOver
        /// The provider refused it for good (SMTP 5xx on the recipient, an invalid number).
        case refused
        /// Trying again may work (connection refused, SMTP 4xx, throttled, 5xx from the gateway).
        case temporaryFailure
        /// The retry window closed with no attempt accepted.
        case gaveUp
        /// The SMS gateway's delivery report.
        case reportedDelivered
        case reportedFailed
    }

    /// The state after `event`, or nil when the event does not apply (a report for a delivery
    /// already final, a late attempt's outcome after give-up): nothing changes then.
    public func after(_ event: Event) -> DeliveryState? {
        switch (self, event) {
        case (.queued, .handedOver): return .sent
        case (.queued, .refused): return .bounced
        case (.queued, .temporaryFailure): return .queued
        case (.queued, .gaveUp): return .failed
        // A report may arrive before the gateway's answer is recorded (it answered, then we crashed).
        case (.queued, .reportedDelivered), (.sent, .reportedDelivered): return .delivered
        case (.queued, .reportedFailed), (.sent, .reportedFailed): return .failed
        default: return nil
        }
    }
}

/// When to try again: the wait doubles from `firstRetry` up to `longestWait`; after `giveUpAfter`
/// since the notice was queued, the delivery fails (Settings: TTHC_NOTIFICATION_RETRY_*).
public struct RetryPolicy: Sendable, Equatable {
    public var firstRetry: TimeInterval
    public var longestWait: TimeInterval
    public var giveUpAfter: TimeInterval

    public init(firstRetry: TimeInterval = 30, longestWait: TimeInterval = 3600, giveUpAfter: TimeInterval = 2 * 86_400) {
        self.firstRetry = firstRetry
        self.longestWait = longestWait
        self.giveUpAfter = giveUpAfter
    }

    /// The next attempt after `attempts` failed ones: on the back-off, the last one at the give-up
    /// time itself; nil once that time has come.
    public func nextAttempt(after attempts: Int, queuedAt: Date, now: Date) -> Date? {
        let deadline = queuedAt.addingTimeInterval(giveUpAfter)
        guard now < deadline else { return nil }
        let wait = min(firstRetry * pow(2, Double(max(attempts - 1, 0))), longestWait)
        return min(now.addingTimeInterval(wait), deadline)
    }
}

/// A provider's sending rate (messages per second, with a burst), shared by the deliveries of one
/// replica: a delivery that finds no token waits for the next one instead of failing.
public struct TokenBucket: Sendable {
    public let ratePerSecond: Double
    public let burst: Double
    private var tokens: Double
    private var refilledAt: Date

    public init(ratePerSecond: Double, burst: Double, now: Date) {
        self.ratePerSecond = ratePerSecond
        self.burst = burst
        self.tokens = burst
        self.refilledAt = now
    }

    /// Takes a token, or says when the next one is there.
    public mutating func take(now: Date) -> Date? {
        tokens = min(burst, tokens + max(0, now.timeIntervalSince(refilledAt)) * ratePerSecond)
        refilledAt = now
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return now.addingTimeInterval((1 - tokens) / ratePerSecond)
    }
}
