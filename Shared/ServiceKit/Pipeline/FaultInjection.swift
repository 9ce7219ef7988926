import Foundation

/// Crash points for the recovery tests (TTHC_FAULT_INJECTION). The process kills itself with
/// SIGKILL, exactly as an OOM killer or a power cut would: no cleanup runs.
public enum FaultInjection {
    public enum Point: String {
        case beforeCommit = "kill-before-commit"
        case afterCommit = "kill-after-commit"
    }

    static func point(_ point: Point, _ configured: String?) {
        guard configured == point.rawValue else { return }
        kill(getpid(), SIGKILL)
    }
}
