import Contracts
import Foundation
import Messaging
import Persistence
import TestSupport
import XCTest

/// Issue 17 (Đ.15.2): every copy of a dossier's content a service keeps is sealed at rest, each
/// service under its own keys: intake's submissions and amendments, validation's amendment
/// history, routing's accepted dossiers. A marker typed into the form and the amendment is found in
/// no schema, while the committees read it and repeats are answered from the sealed copies; after
/// a key rotation the upkeep seals every row again and the old key can go.
final class SealedContentTests: XCTestCase, RoutingScenario {
    func testDossierContentIsSealedAtRestInEveryServiceAndSurvivesAKeyRotation() async throws {
        let system = try SystemHarness()
        try system.startAll()
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        let marker = "MARKER-\(UUID().uuidString)"

        // The form holds the marker; a wrong date of birth earns a supplement request, and the
        // amendment carries the marker too.
        var submit = SampleDossier.submit(organisation: system.organisation, member: member)
        submit.form["lyDo"] = "Chuyển công tác \(marker)"
        submit.form["ngaySinh"] = "1900-01-01"
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try ValidationTests.awaitSupplementRequested(code)
        let amendment = DossierSupplementV1(dossierCode: code, clientSubmissionId: "bs-\(code)",
                                            form: ["ngaySinh": "", "noiDen": "Đảng bộ \(marker)"], attachments: [], note: "Bổ sung")
        _ = try channel.send(amendment, type: .dossierSupplement)
        XCTAssertEqual(try channel.replies(1)[0].properties.type, MessageType.dossierSupplementReceived.cloudEventType)
        try TestEnvironment.eventually(timeout: 90, "decided") { try self.routeStatus(code) == "decided:approved" }

        /// What a reader gets back: the receiving committee's view of the route, validation's
        /// history, and the answers to a repeated submission and amendment.
        func readBack(_ what: String) async throws {
            let officer = try await token(system.organisation)
            for view in ["\(routing)/v1/dossiers/\(code)", "http://127.0.0.1:18082/v1/dossiers/\(code)/revisions"] {
                let answer = try XCTUnwrap(HTTPProbe.get(view, headers: ["Authorization": "Bearer \(officer)"]))
                XCTAssertTrue(answer.status == 200 && answer.body.contains(marker), "\(what): \(view) \(answer.status)")
            }
            let replies = try IntakeTests.ReplyChannel()
            _ = try replies.submit(submit)
            let repeated = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try replies.replies(1)[0].body).data
            XCTAssertEqual(repeated.dossierCode, code, what)
            XCTAssertEqual(repeated.form["lyDo"], submit.form["lyDo"], what)
            _ = try replies.send(amendment, type: .dossierSupplement)
            let again = try replies.replies(1)[0]
            XCTAssertEqual(again.properties.type, MessageType.dossierSupplementReceived.cloudEventType, what)
            XCTAssertTrue(String(decoding: again.body, as: UTF8.self).contains(marker), what)
        }
        try await readBack("sealed")
        XCTAssertEqual(try TestEnvironment.tablesContaining(marker), [])

        // Rotation: a new key becomes current in the three services; their upkeep seals every row
        // again (500 a batch: a developer's database full of benchmark dossiers takes longer than
        // CI's); then the old key goes and everything still reads.
        let environment = ProcessInfo.processInfo.environment
        var generator = SystemRandomNumberGenerator()
        let newId = "rot-\(UUID().uuidString.prefix(8))"
        let newKey = "\(newId):" + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        let sealed = [("intake.dossiers", "submission_key_id"), ("intake.supplements", "receipt_key_id"),
                      ("routing.routes", "accepted_key_id"), ("validation.dossier_revisions", "key_id")]
        let defaultKeys = environment["TTHC_HISTORY_KEYS"] ?? ""
        let defaultIds = defaultKeys.split(separator: ",").map { String($0.prefix { $0 != ":" }) }
        /// Rows still sealed under one of `ids`.
        func left(_ ids: [String]) throws -> Int {
            try sealed.map { table, column in
                try TestEnvironment.count("SELECT count(*) AS n FROM \(table) WHERE \(column) = ANY($1::text[])", [PostgresArray(ids)])
            }.reduce(0, +)
        }
        /// Restarts the three services with `keys`, `current` sealing what is new.
        func restart(keys: String, current: String) throws {
            for service in ["intake", "validation", "routing"] {
                try system.stop(service)
                _ = try system.start(service, environment: ["TTHC_HISTORY_KEYS": keys, "TTHC_HISTORY_KEY_ID": current])
            }
        }
        let toReseal = try left(defaultIds)
        XCTAssertGreaterThan(toReseal, 0)
        try restart(keys: "\(defaultKeys),\(newKey)", current: newId)
        try TestEnvironment.eventually(timeout: 30 + Double(toReseal) / 150, "sealed again under the new key") { try left(defaultIds) == 0 }
        try restart(keys: newKey, current: newId)
        try await readBack("after the rotation")
        XCTAssertEqual(try TestEnvironment.tablesContaining(marker), [])
        // Back to the environment's keys, the same way, so that the tests after this one read
        // what they find.
        try restart(keys: "\(defaultKeys),\(newKey)", current: environment["TTHC_HISTORY_KEY_ID"] ?? defaultIds.last ?? "")
        try TestEnvironment.eventually(timeout: 30 + Double(toReseal) / 150, "sealed again under the default key") { try left([newId]) == 0 }
        try system.stopAll()
    }
}
