import Foundation
import TestSupport
import XCTest

/// Issue 22: docker-compose.yml run for real, by podman, from the images `Deploy/containers/build-images.sh`
/// makes (debootstrap base images, the host's executables): broker, database and the six services in
/// containers. Dossiers flow while validation is scaled to 3 replicas and one replica is SIGKILLed:
/// every dossier ends exactly once. Runs when `TTHC_COMPOSE_PROJECT` names the world of
/// `Deploy/containers/compose-world.sh` (`Deploy/local/test.sh` runs it last, with its `env`).
final class ContainerTests: XCTestCase, ComposeWorld {
    func testComposeWorldScalesValidationAndSurvivesAKilledReplica() throws {
        let project = try worldProject()
        try world(["up"])
        defer { _ = try? world(["down"]) }
        let system = try startOrganisations()

        try TestEnvironment.submitDossiers(200, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 120, "first results") { try system.archived() > 0 }
        let consumersAlone = try consumers("validation.dossiers")
        try world(["scale", "validation", "3"])
        let replicas = try world(["ps"]).split(separator: "\n").filter { $0.hasPrefix("\(project)_validation_") }
        XCTAssertEqual(replicas.count, 3, "\(replicas)")
        var seen = 0
        do {
            try TestEnvironment.eventually(timeout: 60, interval: 0.5, "three replicas consuming") {
                seen = try self.consumers("validation.dossiers")
                return seen >= 3 * consumersAlone
            }
        } catch {
            XCTFail("validation.dossiers has \(seen) consumers; \(consumersAlone) with one replica")
            throw error
        }

        let more = try TestEnvironment.submitDossiers(400, organisation: system.organisation, firstMember: 201)
        XCTAssertEqual(more.count, 400)
        // The second replica takes its share, then dies as a crashed or OOM-killed container does.
        let victim = "\(project)_validation_2"
        try TestEnvironment.eventually(timeout: 60, "\(victim) validating") { try self.consumed(in: victim) > 0 }
        try world(["kill", victim])
        let atKill = try system.validated()
        XCTAssertLessThan(atKill, 600, "the replica died in the middle of the run")
        try TestEnvironment.eventually(timeout: 300, interval: 0.5, "600 results") {
            try system.archived() == 600 && system.notices() == 2400
        }
        try system.assertExactlyOnce(600)
    }
}

/// The compose world of `Deploy/containers/compose-world.sh`, driven from a test.
protocol ComposeWorld {}

extension ComposeWorld {
    /// The world's compose project, or a skip when the environment describes none.
    func worldProject() throws -> String {
        guard let project = ProcessInfo.processInfo.environment["TTHC_COMPOSE_PROJECT"], !project.isEmpty else {
            throw XCTSkip("no compose world: run Deploy/local/test.sh, or build-images.sh and compose-world.sh env")
        }
        return project
    }

    /// The organisations' software, and their signing keys readable by archive (nobody in its container).
    func startOrganisations() throws -> SystemHarness {
        let system = try SystemHarness()
        try system.startOrganisations()
        let keys = URL(fileURLWithPath: try XCTUnwrap(ProcessInfo.processInfo.environment["TTHC_ORGANISATION_KEYS_DIRECTORY"]))
        for file in try FileManager.default.contentsOfDirectory(atPath: keys.path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keys.appendingPathComponent(file).path)
        }
        return system
    }

    /// Received dossiers validation's container `name` handled and committed (its /metrics, from inside).
    func consumed(in name: String) throws -> Double {
        let (status, metrics) = try runCommand(URL(fileURLWithPath: "/usr/bin/podman"),
                                               ["exec", name, "curl", "-fsS", "http://127.0.0.1:8080/metrics"],
                                               environment: containersEnvironment)
        guard status == 0 else { return 0 }
        return metrics.split(separator: "\n").filter { $0.hasPrefix("tthc_messages_consumed_total{") && $0.contains("dossier.received") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    /// Consumers of `queue` on the world's broker.
    func consumers(_ queue: String) throws -> Int {
        let output = try broker(["rabbitmqctl", "-q", "list_queues", "-p", "tthc", "name", "consumers", "--no-table-headers"])
        for line in output.split(separator: "\n") {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if fields.count == 2, fields[0] == queue { return Int(fields[1]) ?? 0 }
        }
        return 0
    }

    /// What `command` prints, run in the world's (first) broker container.
    func broker(_ command: [String]) throws -> String {
        try inContainer("\(try worldProject())_rabbitmq_1", command)
    }

    /// What `command` prints, run in `container`.
    func inContainer(_ container: String, _ command: [String]) throws -> String {
        let (status, output) = try runCommand(URL(fileURLWithPath: "/usr/bin/podman"), ["exec", container] + command,
                                              environment: containersEnvironment)
        guard status == 0 else { throw ProcessExited(name: "\(container): \(command.prefix(2).joined(separator: " "))", status: status, log: output) }
        return output
    }

    var containersEnvironment: [String: String] {
        ["CONTAINERS_CONF": TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/containers/containers.conf").path]
    }

    @discardableResult
    func world(_ arguments: [String]) throws -> String {
        let (status, output) = try runCommand(URL(fileURLWithPath: "/bin/bash"), [
            TestEnvironment.repositoryRoot.appendingPathComponent("Deploy/containers/compose-world.sh").path] + arguments)
        guard status == 0 else { throw ProcessExited(name: "compose-world.sh \(arguments.joined(separator: " "))", status: status, log: output) }
        return output
    }
}
