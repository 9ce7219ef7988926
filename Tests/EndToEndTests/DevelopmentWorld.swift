import Contracts
import Foundation
import TestSupport
import XCTest

/// The development world of `run.sh`: services, registries, the organisations' software.
final class DevelopmentWorld {
    let system: SystemHarness
    let simulator: Process
    /// Dossiers this world received (not those left by earlier runs) are the ones `stop` waits for.
    let started: Date

    /// `decide`: what the simulated software decides (`--decide`); nil runs the README's plain command.
    init(decide: String? = nil) throws {
        started = Date()
        system = try SystemHarness()
        try system.startAll(autoDecide: false)
        try Self.loadMembers(system)
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
        try awaitMembersInTheirCells()
    }

    /// Every example submits for DV0000001 from HN.CB0001: after `transfer`, a completed transfer,
    /// moved it, loading the registry again (a newer revision) puts it back. When this world decided
    /// it, the move must have reached validation first: arriving after the reload, it would move the
    /// member again. (A transfer an earlier run decided, answered again from intake's inbox, moves no one.)
    func resetMembers(after transfer: String) throws {
        if try TestEnvironment.count("""
            SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2 AND occurred_at >= $3
            """, [transfer, MessageType.dossierDecided.routingKey, started]) > 0 {
            try TestEnvironment.awaitMember("DV0000001", in: "HN.CB0002", "the transfer reached validation")
        }
        try Self.loadMembers(system)
        try awaitMembersInTheirCells()
    }

    /// The fixture registry, as a revision strictly newer than the copy replicated now: the default
    /// (the Unix second) equals an earlier load's when a transfer completes within that second, and
    /// the replicas then keep the moved member.
    private static func loadMembers(_ system: SystemHarness) throws {
        let current = try TestEnvironment.value("SELECT max(revision)::text FROM validation.members WHERE member_id = 'DV0000001'")
            .flatMap { Int($0) } ?? 0
        _ = try system.admin(["members", "load-fixture", "--count", "2",
                              "--revision", String(max(Int(Date().timeIntervalSince1970), current + 1))])
    }

    private func awaitMembersInTheirCells() throws {
        try TestEnvironment.eventually(timeout: 30, "DV0000001 replicated in HN.CB0001") {
            try TestEnvironment.count(
                "SELECT count(*) AS n FROM validation.members WHERE member_id = 'DV0000001' AND organisation_code = 'HN.CB0001'") == 1
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

    /// Lets the examples' dossiers finish first: a transfer completing in the next test's world
    /// would move DV0000001 after that world put it back in its cell.
    func stop() {
        try? TestEnvironment.eventually(timeout: 60, "the development world's dossiers settle") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM intake.dossiers d WHERE d.member_id LIKE 'DV%' AND d.received_at BETWEEN $1::timestamptz AND now()
                    AND coalesce((SELECT e.status FROM intake.dossier_events e WHERE e.dossier_code = d.code AND e.status IS NOT NULL
                                  ORDER BY e.occurred_at DESC, e.message_id DESC LIMIT 1), 'received')
                        NOT IN ('result-issued', 'refused', 'withdrawn', 'supplement-requested')
                """, [started]) == 0
                && TestEnvironment.count("SELECT count(*) AS n FROM routing.outbox") == 0
        }
        simulator.terminate()
        simulator.waitUntilExit()
        _ = try? system.stopAll()
    }
}
