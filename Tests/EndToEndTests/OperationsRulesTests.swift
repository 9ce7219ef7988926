import Foundation
import TestSupport
import XCTest

/// The alert rules and the dashboard ops deploy (issue 22): the rules are valid PromQL and fire as
/// their unit tests say (`promtool check rules`, `promtool test rules`, Debian's `prometheus`),
/// and every query of the Grafana dashboard parses (checked as recording rules).
final class OperationsRulesTests: XCTestCase {
    static let prometheus = TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/prometheus")

    func promtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
        process.arguments = arguments
        process.currentDirectoryURL = Self.prometheus
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testTheAlertRulesAreValidAndFireAsTheirTestsSay() throws {
        let checked = try promtool(["check", "rules", "tthc-alerts.yml"])
        XCTAssertEqual(checked.status, 0, checked.output)
        XCTAssertTrue(checked.output.contains("SUCCESS: 14 rules found"), checked.output)
        let tested = try promtool(["test", "rules", "tthc-alerts.test.yml"])
        XCTAssertEqual(tested.status, 0, tested.output)
    }

    func testEveryDashboardQueryParses() throws {
        let url = TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/grafana/tthc-overview.json")
        let dashboard = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try XCTUnwrap(dashboard["panels"] as? [[String: Any]])
        let queries = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        XCTAssertGreaterThanOrEqual(queries.count, panels.count, "every panel has a query")
        // Each query as a recording rule: promtool parses it as Prometheus would.
        let rules = "groups:\n  - name: dashboard\n    rules:\n" + queries.enumerated().map { index, query in
            "      - record: dashboard:query_\(index)\n        expr: \(String(decoding: try! JSONSerialization.data(withJSONObject: [query], options: [.withoutEscapingSlashes]), as: UTF8.self).dropFirst().dropLast())\n"
        }.joined()
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString).rules.yml")
        try rules.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let checked = try promtool(["check", "rules", file.path])
        XCTAssertEqual(checked.status, 0, checked.output + "\n" + rules)
    }
}

/// What `TTHCConsumerDown` reads: each worker's health on `/metrics`, 1 while it works.
final class WorkerHealthMetricsTests: XCTestCase {
    func testEveryWorkerReportsThatItIsUpOnMetrics() throws {
        let system = try SystemHarness()
        try system.start("routing")
        let metrics = "http://127.0.0.1:\(SystemHarness.ports["routing"]!)/metrics"
        try TestEnvironment.eventually("routing's consumers reported up") {
            HTTPProbe.get(metrics)?.body.split(separator: "\n").contains {
                $0.hasPrefix(#"tthc_worker_up{service="routing",worker="consumer:routing.dossiers#"#) && $0.hasSuffix("} 1.0")
            } == true
        }
        let body = HTTPProbe.get(metrics)?.body ?? ""
        let workers = body.split(separator: "\n").filter { $0.hasPrefix("tthc_worker_up{") }
        XCTAssertFalse(workers.isEmpty, body)
        XCTAssertTrue(workers.allSatisfy { $0.hasSuffix(" 1.0") }, workers.joined(separator: "\n"))
        XCTAssertTrue(workers.contains { $0.contains(#"worker="timers""#) }, workers.joined(separator: "\n"))
        try system.stopAll()
    }
}
