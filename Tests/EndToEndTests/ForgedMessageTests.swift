import Contracts
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Identities are what the broker verified (issue 11 §3): an event from a user that does not own
/// its type is dead-lettered `not-authorised` even where the broker let it through (the default
/// exchange, which services that answer may write), and an answer never goes to a queue the
/// sender does not own.
final class ForgedMessageTests: XCTestCase {
    /// The contract's example of `type` with a new id and dossier code.
    func example(_ type: MessageType, dossierCode: String) throws -> [UInt8] {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: TestEnvironment.repositoryRoot
            .appendingPathComponent("Shared/Contracts/Examples/\(type.routingKey).json"))) as! [String: Any]
        object["id"] = UUID().uuidString.lowercased()
        var data = object["data"] as! [String: Any]
        data["dossierCode"] = dossierCode
        object["data"] = data
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    func testAnEventFromAUserThatDoesNotOwnItsTypeIsDeadLetteredNotActedOn() throws {
        let system = try SystemHarness()
        try system.start("routing")
        // intake may write to the default exchange (it answers integrators): it puts a forged
        // dossier.accepted.v1 straight into routing's queue.
        let intake = try TestEnvironment.amqp(user: "tthc-intake", confirms: true)
        defer { intake.close() }
        let code = "HN.CB0101-261124-\(Int.random(in: 100_000...999_999))"
        let body = try example(.dossierAccepted, dossierCode: code)
        let id = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["id"] as? String)
        try intake.publish(exchange: "", routingKey: "routing.dossiers", body: body, properties: MessageProperties(
            messageId: id, type: MessageType.dossierAccepted.cloudEventType, contentType: "application/cloudevents+json",
            userId: "tthc-intake"))
        try intake.waitForConfirms()
        try TestEnvironment.eventually("dead-lettered as not authorised") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM routing.dead_letters
                WHERE message_id = $1 AND error_code = 'not-authorised' AND reason LIKE '%tthc-validation%tthc-intake%'
                """, [id]) == 1
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM routing.routes WHERE dossier_code = $1", [code]), 0,
                       "no route started for a dossier validation never accepted")
        try system.stopAll()
    }

    func testIntakeAnswersOnlyTheSendersOwnQueuesNeverAnotherOnesOrAServiceQueue() throws {
        let system = try SystemHarness()
        try system.start("intake")
        let admin = try TestEnvironment.amqp()
        defer { admin.close() }
        // A queue another party reads: portal-demo's reply queue.
        let victim = "portal-demo.replies.\(UUID().uuidString.lowercased())"
        try admin.declareQueue(victim, durable: false, autoDelete: false)
        defer { try? admin.deleteQueue(victim) }
        let portal = try TestEnvironment.amqp(user: "portal-test", confirms: true)
        defer { portal.close() }
        var ids: [String] = []
        for target in [victim, "payment.requests"] {
            let submit = SampleDossier.submit(organisation: system.organisation)
            let message = try SampleDossier.message(submit, userId: "portal-test", replyTo: target)
            try portal.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey, body: message.body,
                               properties: message.properties)
            ids.append(message.properties.messageId!)
        }
        try portal.waitForConfirms()
        try TestEnvironment.eventually("both dead-lettered reply-to-not-allowed") {
            try TestEnvironment.count("SELECT count(*) AS n FROM intake.dead_letters WHERE message_id = ANY($1::text[]) AND error_code = 'reply-to-not-allowed'",
                                      [PostgresArray(ids)]) == 2
        }
        XCTAssertEqual(try admin.messageCount(queue: victim), 0, "nothing written into another integrator's queue")
        XCTAssertEqual(try system.intakeDossiers(), 0)
        try system.stopAll()
    }
}
