import Foundation
import TestSupport
import XCTest

/// ARCHITECTURE §3: services may be killed at any instant; nothing is lost, nothing doubled.
final class CrashRecoveryTests: XCTestCase {
    func testKilledAfterCommitBeforeAckCausesNoDuplicate() throws {
        let system = try SystemHarness()
        try system.start("validation")
        let crashing = try system.start("intake", environment: ["TTHC_FAULT_INJECTION": "kill-after-commit", "TTHC_CONSUMERS": "1"])
        try TestEnvironment.submitDossiers(1, organisation: system.organisation)
        try TestEnvironment.eventually("intake killed itself after commit") { !crashing.isRunning }
        XCTAssertEqual(crashing.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try system.intakeDossiers(), 1, "the transaction committed before the kill")

        try system.start("intake")
        // The unacknowledged delivery comes back; the inbox recognises it.
        try TestEnvironment.eventually("redelivery detected as duplicate") {
            system.metric("intake", "tthc_messages_duplicate_total") == 1
        }
        try TestEnvironment.eventually("received event published after restart") { try system.validated() == 1 }
        XCTAssertEqual(try system.intakeDossiers(), 1)
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT last_value AS n FROM intake.dossier_sequences WHERE organisation_code = $1", [system.organisation]), 1,
                       "no second dossier code was taken")
        try system.stopAll()
    }

    func testKilledBeforeCommitProcessesTheMessageAfterRestart() throws {
        let system = try SystemHarness()
        try system.start("validation")
        let crashing = try system.start("intake", environment: ["TTHC_FAULT_INJECTION": "kill-before-commit", "TTHC_CONSUMERS": "1"])
        try TestEnvironment.submitDossiers(1, organisation: system.organisation)
        try TestEnvironment.eventually("intake killed itself before commit") { !crashing.isRunning }
        XCTAssertEqual(crashing.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try system.intakeDossiers(), 0, "nothing committed")

        try system.start("intake")
        try TestEnvironment.eventually("processed after restart") { try system.intakeDossiers() == 1 && system.validated() == 1 }
        try system.stopAll()
    }

    func testBrokerRestartDuringFiveHundredDossiersLosesAndDoublesNothing() throws {
        let system = try SystemHarness()
        try system.startAll()
        try TestEnvironment.submitDossiers(500, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 120, "first results") { try system.archived() > 0 }
        let beforeRestart = try system.archived()
        try system.restartBroker()
        XCTAssertLessThan(beforeRestart, 500, "the broker restarted in the middle of the run")
        try TestEnvironment.eventually(timeout: 300, interval: 0.5, "500 results after the broker restart") {
            try system.archived() == 500 && system.notices() == 2000
        }
        try system.assertExactlyOnce(500)
        // Work prefetched before the restart can finish before the backed-off reconnects land.
        try TestEnvironment.eventually(timeout: 60, "services reconnected") {
            SystemHarness.services.map { system.metric($0, "tthc_reconnects_total") }.reduce(0, +) > 0
        }
        try system.stopAll()
    }

    func testSigtermDuringLoadExitsZeroAndLosesNothing() throws {
        let system = try SystemHarness()
        try system.startAll()
        try TestEnvironment.submitDossiers(1000, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 120, "work in flight") { try system.validated() > 0 }
        XCTAssertLessThan(try system.archived(), 1000, "SIGTERM arrives under load")
        for service in ["intake", "validation", "routing"] {
            XCTAssertEqual(try system.processes[service]!.terminate(), 0, "\(service) exits 0 on SIGTERM")
        }
        for service in ["intake", "validation", "routing"] { try system.start(service) }
        try TestEnvironment.eventually(timeout: 300, interval: 0.5, "1,000 results") {
            try system.archived() == 1000 && system.notices() == 4000
        }
        try system.assertExactlyOnce(1000)
        try system.stopAll()
    }
}
