import Contracts
import Development
import Foundation
import Messaging
import TestSupport
import XCTest

/// Issue 22, tracing: the W3C trace context an integrator sends with its submission (an AMQP
/// `traceparent` header, or an HTTP one) is carried by every message the dossier causes, through
/// every service, to its result; each service's JSON log names the trace id of what it handled.
final class TracingTests: XCTestCase {
    func testOneDossiersTraceIdIsFollowedFromTheIntegratorsMessageToTheResult() throws {
        let system = try SystemHarness()
        try system.startAll(environment: ["TTHC_LOG_LEVEL": "debug"])
        let members = TestEnvironment.members(2, organisation: system.organisation)
        try TestEnvironment.registerMembers(members)

        // Over AMQP: the integrator's own trace.
        let traceId = try TestEnvironment.submitTraced(organisation: system.organisation, member: members[0], spanId: "00f067aa0ba902b7")

        // Over HTTP: the request's trace, answered with the span the request got.
        let httpTraceId = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let submit = SampleDossier.submit(organisation: system.organisation, member: members[1])
        let (status, answer) = try runCommand(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-s", "-i", "-X", "POST", "http://127.0.0.1:\(SystemHarness.ports["intake"]!)/v1/dossiers",
            "-H", "Content-Type: application/json", "-H", "Authorization: Bearer portal-test-token",
            "-H", "Idempotency-Key: \(UUID().uuidString)", "-H", "traceparent: 00-\(httpTraceId)-b7ad6b7169203331-01",
            "--data-binary", String(decoding: try WireJSON.encode(submit), as: UTF8.self)])
        XCTAssertEqual(status, 0, answer)
        XCTAssertTrue(answer.lowercased().contains("traceparent: 00-\(httpTraceId)-"), answer)

        try TestEnvironment.eventually(timeout: 120, interval: 0.5, "both results") { try system.archived() == 2 }
        // Every hop, each in its own service's log: the submission (a message only over AMQP),
        // the check, the route, the decision's result, the notices, and the result back at intake.
        let hops = [("validation", "dossier.received.v1"), ("routing", "dossier.accepted.v1"), ("archive", "dossier.decided.v1"),
                    ("notification", "result.issued.v1"), ("intake", "result.issued.v1")]
        func logged(_ trace: String, _ service: String, _ type: String) -> Bool {
            (system.processes[service]?.log() ?? "").split(separator: "\n").contains { line in
                line.contains("\"trace_id\":\"\(trace)\"") && line.contains("\"type\":\"\(type)\"")
            }
        }
        for (trace, first) in [(traceId, [("intake", "dossier.submit.v1")]), (httpTraceId, [])] {
            try TestEnvironment.eventually(timeout: 60, interval: 0.5, "every hop of \(trace) logged with its trace id") {
                (first + hops).allSatisfy { logged(trace, $0.0, $0.1) }
            }
        }
        try system.stopAll()
    }
}
