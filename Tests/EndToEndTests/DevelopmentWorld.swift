import Foundation
import TestSupport
import XCTest

/// The development world of `run.sh`: services, registries, the organisations' software.
final class DevelopmentWorld {
    let system: SystemHarness
    let simulator: Process

    /// `decide`: what the simulated software decides (`--decide`); nil runs the README's plain command.
    init(decide: String? = nil) throws {
        system = try SystemHarness()
        try system.startAll(autoDecide: false)
        _ = try system.admin(["members", "load-fixture", "--count", "2"])
        _ = try system.admin(["organisations", "load-fixture"])
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("simulate-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        simulator = Process()
        simulator.executableURL = TestEnvironment.binDirectory.appendingPathComponent("tthc-admin")
        simulator.arguments = ["organisations", "simulate"] + (decide.map { ["--decide", $0] } ?? [])
        simulator.standardOutput = try FileHandle(forWritingTo: log)
        try simulator.run()
        try TestEnvironment.eventually(timeout: 30, "the simulator listening") {
            (try? String(contentsOf: log, encoding: .utf8))?.contains("deciding \(decide ?? "approve")") == true
        }
        try TestEnvironment.eventually(timeout: 30, "DV0000001 replicated") {
            try TestEnvironment.count("SELECT count(*) AS n FROM validation.members WHERE member_id = 'DV0000001'") == 1
        }
    }

    var intakeURL: String { "http://127.0.0.1:\(SystemHarness.ports["intake"]!)" }

    /// Polls the status desk with the receipt secret until the dossier's result is issued.
    func awaitResult(_ code: String, secret: String, timeout: TimeInterval = 90) throws {
        try TestEnvironment.eventually(timeout: timeout, "\(code) reaches its result") {
            guard let answer = HTTPProbe.get("\(self.intakeURL)/v1/dossiers/\(code)", headers: ["X-Receipt-Secret": secret]),
                  answer.status == 200 else { return false }
            let view = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]
            return view?["status"] as? String == "result-issued"
        }
    }

    func stop() {
        simulator.terminate()
        simulator.waitUntilExit()
        _ = try? system.stopAll()
    }
}
