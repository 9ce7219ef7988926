import Contracts
import Foundation
import Messaging
import ServiceKit
import TestSupport
import XCTest

/// Bad input never crashes a service and is never dropped: it lands in the dead-letter queue
/// with a reason, and `tthc-admin` replays it once the cause is fixed.
final class DeadLetterTests: XCTestCase {
    func testBadMessagesAreDeadLetteredWithReasonsAndOneIsReplayedAfterTheFix() throws {
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        try db.execute("""
            INSERT INTO intake.integrators (name, display_name, active) VALUES ('portal-pending', 'Chờ đăng ký', false)
            ON CONFLICT (name) DO UPDATE SET active = false
            """)
        let system = try SystemHarness()
        try system.start("intake", environment: ["TTHC_MAX_MESSAGE_BYTES": "65536"])

        let portal = try TestEnvironment.amqp(user: "portal-test", confirms: true)
        defer { portal.close() }
        func publish(_ body: [UInt8], id: String, user: String = "portal-test", on connection: AMQPConnection? = nil) throws {
            let amqp = connection ?? portal
            try amqp.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey, body: body,
                             properties: MessageProperties(messageId: id, contentType: "application/cloudevents+json",
                                                           userId: user))
            try amqp.waitForConfirms()
        }
        let submit = SampleDossier.submit(organisation: system.organisation)
        func envelope(_ type: MessageType, data: DossierSubmitV1 = submit) throws -> (String, [UInt8]) {
            let e = Envelope(source: "urn:test", type: type, data: data)
            return (e.id, try WireJSON.encode(e))
        }
        try publish(Array("{\"specversion\": \"1.0\", \"id\": ".utf8), id: "malformed-1")
        let unknownType = try envelope(MessageType("dossier.teleport", major: 1))
        try publish(unknownType.1, id: unknownType.0)
        let futureMajor = try envelope(MessageType("dossier.submit", major: 3))
        try publish(futureMajor.1, id: futureMajor.0)
        var huge = submit
        huge.form["ghiChu"] = String(repeating: "đ", count: 70_000)
        let oversized = try envelope(.dossierSubmit, data: huge)
        try publish(oversized.1, id: oversized.0)
        let pendingConnection = try TestEnvironment.amqp(user: "portal-pending", confirms: true)
        defer { pendingConnection.close() }
        let pendingSubmit = SampleDossier.submit(organisation: system.organisation)
        let pending = try envelope(.dossierSubmit, data: pendingSubmit)
        try publish(pending.1, id: pending.0, user: "portal-pending", on: pendingConnection)

        let admin = try TestEnvironment.amqp()
        defer { admin.close() }
        try TestEnvironment.eventually("5 dead letters") { try admin.messageCount(queue: "intake.dead-letter") == 5 }
        XCTAssertTrue(system.processes["intake"]!.isRunning, "bad input never crashes the service")
        let listing = try system.admin(["dead-letters", "list", "--service", "intake"])
        for (id, code) in [("malformed-1", "malformed-json"), (unknownType.0, "unknown-type"),
                           (futureMajor.0, "unsupported-version"), (oversized.0, "message-too-large"),
                           (pending.0, "unknown-integrator")] {
            XCTAssertTrue(listing.split(separator: "\n").contains { $0.hasPrefix(id) && $0.contains(code) },
                          "\(id) listed with \(code):\n\(listing)")
        }
        XCTAssertEqual(try system.intakeDossiers(), 0, "nothing half-created")

        // The fix: the operator activates the integrator; then replays its dead letter.
        try db.execute("UPDATE intake.integrators SET active = true WHERE name = 'portal-pending'")
        let shown = try system.admin(["dead-letters", "show", "--service", "intake", "--message-id", pending.0])
        XCTAssertTrue(shown.contains("unknown-integrator"), shown)
        let replay = try system.admin(["dead-letters", "replay", "--service", "intake", "--message-id", pending.0])
        XCTAssertTrue(replay.contains("1 dead letter(s) replayed"), replay)
        try TestEnvironment.eventually("replayed dossier created for portal-pending") {
            try TestEnvironment.count(
                "SELECT count(*) AS n FROM intake.dossiers WHERE integrator = 'portal-pending' AND client_submission_id = $1",
                [pendingSubmit.clientSubmissionId]) == 1
        }
        XCTAssertEqual(try admin.messageCount(queue: "intake.dead-letter"), 4, "the others wait for their own fix")
        try db.execute("UPDATE intake.integrators SET active = false WHERE name = 'portal-pending'")
        try system.stopAll()
    }

    /// A sender that set no user_id but a header naming another integrator: its dead letter is
    /// replayed as what the broker verified (nobody), never as the header says.
    func testAReplayRestoresOnlyTheSenderTheBrokerVerifiedNeverAHeader() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let submit = SampleDossier.submit(organisation: system.organisation)
        let envelope = Envelope(source: "urn:test", type: .dossierSubmit, data: submit)
        let portal = try TestEnvironment.amqp(user: "portal-test", confirms: true)
        defer { portal.close() }
        try portal.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey, body: try WireJSON.encode(envelope),
                           properties: MessageProperties(messageId: envelope.id, contentType: "application/cloudevents+json",
                                                         headers: [DeadLetterHeader.originalUserId: .string("portal-demo")]))
        try portal.waitForConfirms()
        let admin = try TestEnvironment.amqp()
        defer { admin.close() }
        func deadLetters() throws -> Int {
            try TestEnvironment.count("SELECT count(*) AS n FROM intake.dead_letters WHERE message_id = $1 AND error_code = 'unknown-integrator'",
                                      [envelope.id])
        }
        try TestEnvironment.eventually("dead-lettered: no verified sender") { try deadLetters() == 1 }
        let replay = try system.admin(["dead-letters", "replay", "--service", "intake", "--message-id", envelope.id])
        XCTAssertTrue(replay.contains("1 dead letter(s) replayed"), replay)
        try TestEnvironment.eventually("dead-lettered again after the replay") { try deadLetters() == 2 }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossiers WHERE client_submission_id = $1",
                                                 [submit.clientSubmissionId]), 0, "no dossier for the integrator a header named")
        try system.stopAll()
    }
}
