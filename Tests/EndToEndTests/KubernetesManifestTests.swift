import Foundation
import TestSupport
import XCTest

/// Issue 22: the Kubernetes manifests (`Deploy/k8s`, Kustomize base and production overlay) render
/// with `kubectl kustomize` and validate offline and strictly (`Deploy/k8s/validate.py`: Kubernetes'
/// schemas through kubernetes-validate, the CRDs' schemas of KEDA, the RabbitMQ Cluster Operator and
/// CloudNativePG, and TTHC's own rules); KEDA scales each service on exactly the queues it consumes.
final class KubernetesManifestTests: XCTestCase {
    static let k8s = TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/k8s")

    func validate(_ arguments: [String] = []) throws -> (status: Int32, output: String) {
        try runCommand(URL(fileURLWithPath: "/usr/bin/env"), ["python3", Self.k8s.appendingPathComponent("validate.py").path] + arguments)
    }

    func render(_ directory: String) throws -> String {
        let (status, output) = try runCommand(URL(fileURLWithPath: "/usr/bin/env"),
                                              ["kubectl", "kustomize", Self.k8s.appendingPathComponent(directory).path])
        XCTAssertEqual(status, 0, output)
        return output
    }

    func testTheManifestsRenderAndValidate() throws {
        let result = try validate()
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("2 rendering(s): valid"), result.output)
    }

    func testAPlantedMistakeIsFound() throws {
        let production = try render("overlays/production")
        let cases = [
            ("minReplicaCount: 2", "minReplicaCont: 2", "'minReplicaCont' was unexpected"),  // a CRD's field
            ("readinessProbe:", "readinesProbe:", "readinesProbe"),  // a built-in kind's field
            ("terminationGracePeriodSeconds: 35", "terminationGracePeriodSeconds: 20", "grace period does not outlast"),
        ]
        for (found, planted, expected) in cases {
            XCTAssertTrue(production.contains(found), found)
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-\(UUID().uuidString).yaml")
            defer { try? FileManager.default.removeItem(at: file) }
            try production.replacingOccurrences(of: found, with: planted).write(to: file, atomically: true, encoding: .utf8)
            let result = try validate(["--rendered", file.path])
            XCTAssertEqual(result.status, 1, "\(planted): \(result.output)")
            XCTAssertTrue(result.output.contains(expected), "\(planted): \(result.output)")
        }
    }

    func testEachServiceScalesOnTheQueuesItConsumes() throws {
        let base = try render("base")
        for service in SystemHarness.services {
            let (status, output) = try runCommand(TestEnvironment.binDirectory.appendingPathComponent("tthc-\(service)"), ["--describe"])
            XCTAssertEqual(status, 0, output)
            let description = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
            let consumed = Set((description["queues"] as? [[String: Any]] ?? []).compactMap { $0["queue"] as? String })
            // The ScaledObject of the service: its triggers' queue names.
            let document = try XCTUnwrap(base.components(separatedBy: "\n---\n").first {
                $0.contains("kind: ScaledObject") && $0.contains("\n  name: \(service)\n")
            }, service)
            let scaled = Set(document.matches(of: /queueName: ([a-z.-]+)/).map { String($0.output.1) })
            XCTAssertEqual(scaled, consumed, "\(service): KEDA watches exactly the queues it consumes")
        }
    }
}
