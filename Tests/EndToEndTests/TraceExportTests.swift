import Contracts
import Development
import Foundation
import Messaging
import TestSupport
import XCTest

/// Issue 22, the OTLP exporter: with `OTEL_TRACES_EXPORTER=otlp` every service sends its spans over
/// OTLP/HTTP to a collector (`Deploy/local/otlp-collector.py`, decoding with OpenTelemetry's own
/// protocol classes). One dossier's spans form one tree under the integrator's span: each message
/// created (producer), each processed (consumer), in every service it crosses.
final class TraceExportTests: XCTestCase {
    func testEveryServiceExportsTheSpansOfOneDossierAsOneTree() throws {
        let spansFile = FileManager.default.temporaryDirectory.appendingPathComponent("spans-\(UUID().uuidString).jsonl")
        FileManager.default.createFile(atPath: spansFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: spansFile) }
        // A port of its own (a collector left by a killed run would answer on a fixed one).
        let port = Int.random(in: 14_000...14_999)
        let collector = Process()
        collector.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        collector.arguments = ["python3", TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/local/otlp-collector.py").path,
                               String(port), spansFile.path]
        try collector.run()
        defer { collector.terminate(); collector.waitUntilExit() }
        try TestEnvironment.eventually(timeout: 30, "the collector listening") {
            HTTPProbe.status("http://127.0.0.1:\(port)/v1/traces") != nil
        }
        XCTAssertTrue(collector.isRunning, "another process holds port \(port)")

        let system = try SystemHarness()
        try system.startAll(environment: ["OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)",
                                          "OTEL_BSP_SCHEDULE_DELAY": "200"])
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembers([member])
        let integratorSpan = "00f067aa0ba902b7"
        let traceId = try TestEnvironment.submitTraced(organisation: system.organisation, member: member, spanId: integratorSpan)
        try TestEnvironment.eventually(timeout: 120, interval: 0.5, "the result") { try system.archived() == 1 }

        // Every hop's processing, in the service that did it, once exported.
        let hops = [("tthc-intake", "process dossier.submit.v1"), ("tthc-validation", "process dossier.received.v1"),
                    ("tthc-routing", "process dossier.accepted.v1"), ("tthc-archive", "process dossier.decided.v1"),
                    ("tthc-notification", "process result.issued.v1"), ("tthc-intake", "process result.issued.v1")]
        var spans: [[String: Any]] = []
        try TestEnvironment.eventually(timeout: 60, interval: 0.5, "every hop's span exported") {
            spans = (try String(contentsOf: spansFile, encoding: .utf8)).split(separator: "\n")
                .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                .filter { $0["trace_id"] as? String == traceId }
            return hops.allSatisfy { hop in spans.contains { $0["service"] as? String == hop.0 && $0["name"] as? String == hop.1 } }
        }
        // One tree: every span's parent is the integrator's span or another span of the trace; the
        // organisations' decisions are spans of their own software (the simulator), outside TTHC.
        let ids = Set(spans.compactMap { $0["span_id"] as? String })
        XCTAssertEqual(ids.count, spans.count, "span ids are unique")
        for span in spans where span["name"] as? String != "process dossier.step-decided.v1" {
            let parent = span["parent_span_id"] as? String ?? ""
            XCTAssertTrue(parent == integratorSpan || ids.contains(parent), "orphan span \(span)")
        }
        XCTAssertTrue(spans.contains { $0["name"] as? String == "create dossier.step-assigned.v1" && $0["service"] as? String == "tthc-routing" })
        let intakeFirst = spans.first { $0["name"] as? String == "process dossier.submit.v1" }
        XCTAssertEqual(intakeFirst?["parent_span_id"] as? String, integratorSpan)
        XCTAssertEqual(intakeFirst?["kind"] as? String, "SPAN_KIND_CONSUMER")
        // A message's span is its creation (producer), parent of its processing wherever it went.
        let created = spans.filter { $0["kind"] as? String == "SPAN_KIND_PRODUCER" }
        XCTAssertTrue(created.contains { $0["name"] as? String == "create dossier.received.v1" && $0["service"] as? String == "tthc-intake" })
        let validationProcess = spans.first { $0["name"] as? String == "process dossier.received.v1" }
        let createdReceived = created.first { $0["name"] as? String == "create dossier.received.v1" }
        XCTAssertEqual(validationProcess?["parent_span_id"] as? String, createdReceived?["span_id"] as? String)
        XCTAssertEqual((createdReceived?["attributes"] as? [String: Any])?["messaging.system"] as? String, "rabbitmq")
        try system.stopAll()
    }
}
