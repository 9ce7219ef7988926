import Foundation
import TestSupport
import XCTest

/// Issue 22, continuous accounting: `tthc-admin reconcile` names every dossier that waits for a
/// service too long, with what the next service's tables say, and proves every dossier finished
/// once the services run; intake's `/metrics` shows the unfinished ones by status.
final class ReconcileTests: XCTestCase {
    func testAStuckDossierIsNamedWithWhereItStoppedAndEveryDossierEndsOnceTheServicesRun() throws {
        let system = try SystemHarness()
        try system.start("intake")
        try TestEnvironment.submitDossiers(2, organisation: system.organisation)
        try TestEnvironment.eventually("two dossiers received") { try system.intakeDossiers() == 2 }

        // Validation is down: both wait for it, and past a zero allowance they are stuck.
        var report = try system.reconcile(["--stuck-after", "0s"])
        XCTAssertEqual(report.status, 1, "stuck dossiers make reconcile fail: \(report.output)")
        XCTAssertTrue(report.output.contains("2 dossier(s): 0 finished, 2 waiting, 2 stuck"), report.output)
        XCTAssertEqual(report.output.components(separatedBy: "validation has no record of it").count - 1, 2, report.output)
        // Within the default allowance they are only waiting.
        XCTAssertEqual(try system.reconcile([]).status, 0)
        try TestEnvironment.eventually("intake's gauge counts them") {
            let text = HTTPProbe.get("http://127.0.0.1:\(SystemHarness.ports["intake"]!)/metrics")?.body ?? ""
            return text.split(separator: "\n").contains {
                $0.hasPrefix("tthc_dossiers_open_dossiers{") && $0.contains("status=\"received\"") && $0.contains("waits_for=\"validation\"")
                    && (Double($0.split(separator: " ").last ?? "") ?? 0) >= 2
            }
        }

        // Validation accepts them; routing is down: they wait for routing, which has no route.
        try system.start("validation")
        try TestEnvironment.eventually("stuck at routing") {
            let found = try system.reconcile(["--stuck-after", "0s", "--format", "prometheus"]).output
            return found.contains("tthc_reconcile_stuck_dossiers{waits_for=\"routing\",organisation=\"\(system.organisation)\"} 2")
        }
        report = try system.reconcile(["--stuck-after", "0s"])
        XCTAssertEqual(report.output.components(separatedBy: "routing has no route").count - 1, 2, report.output)
        XCTAssertTrue(report.output.contains("accepted → routing: 2"), report.output)

        // Everything runs, the organisations' software approves: every dossier ends, once.
        try system.startAll()
        try system.assertReconciled(2)
        try system.stopAll()
    }

    func testThePrometheusFiguresAreValidExposition() throws {
        let system = try SystemHarness()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-\(UUID().uuidString).prom")
        defer { try? FileManager.default.removeItem(at: file) }
        let report = try system.reconcile(["--metrics-file", file.path])
        XCTAssertEqual(report.status, 0, report.output)
        let written = try String(contentsOf: file, encoding: .utf8)
        XCTAssertTrue(written.contains("tthc_reconcile_dossiers{standing=\"finished\",organisation=\"\(system.organisation)\"} 0"), written)
        let checked = try runCommand(URL(fileURLWithPath: "/bin/sh"), ["-c", "promtool check metrics < \(file.path)"])
        XCTAssertEqual(checked.status, 0, "promtool check metrics: \(checked.output)")
    }
}
