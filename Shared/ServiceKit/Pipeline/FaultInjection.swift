import Foundation

/// Crash points for the recovery tests (TTHC_FAULT_INJECTION). The process kills itself with
/// SIGKILL, exactly as an OOM killer or a power cut would: no cleanup runs.
public enum FaultInjection {
    public enum Point: String {
        case beforeCommit = "kill-before-commit"
        case afterCommit = "kill-after-commit"
        /// After a provider took a message and before its transaction commits (notification).
        case afterSend = "kill-after-send"
    }

    /// Notification's crash point between a provider's acceptance and the commit.
    public static func afterSend(environment configured: String?) { point(.afterSend, configured) }

    static func point(_ point: Point, _ configured: String?) {
        guard configured == point.rawValue else { return }
        kill(getpid(), SIGKILL)
    }
}
