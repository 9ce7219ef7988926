import Contracts
import Foundation
import Messaging
import ServiceKit
import TestSupport
import XCTest

/// A message that fails among good ones: every good one is handled exactly once, none is
/// acknowledged without being handled, and the bad one is dead-lettered with its reason at once.
final class PoisonMessageTests: XCTestCase {
    var harness: PipelineHarness!

    override func setUpWithError() throws {
        harness = try PipelineHarness(maxMessageBytes: 65536)
    }

    override func tearDown() {
        harness?.stop()
    }

    /// 200 valid messages with, in the middle, one whose label PostgreSQL refuses (a NUL).
    func poisonAmongValid(type: MessageType) throws -> (valid: [String], poison: String) {
        var messages: [(id: String, body: [UInt8])] = []
        for i in 0..<201 {
            messages.append(try harness.envelope(i == 100 ? "poi\u{0}son" : "ok-\(i)", type: type))
        }
        try harness.deliver(messages)
        var valid = messages.map(\.id)
        let poison = valid.remove(at: 100)
        return (valid, poison)
    }

    func assertHandledOnceAndPoisonDeadLettered(_ valid: [String], poison: String) throws {
        try TestEnvironment.eventually("the poison message dead-lettered with PostgreSQL's reason") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM kittest.dead_letters
                WHERE message_id = $1 AND error_code = 'database-rejected' AND reason LIKE '%SQLSTATE 22%'
                """, [poison]) == 1
        }
        try TestEnvironment.eventually("every valid message handled") {
            try TestEnvironment.count("SELECT count(DISTINCT message_id) AS n FROM kittest.effects") == 200
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects"), 200, "nothing handled twice")
        XCTAssertEqual(try harness.effects(poison), 0)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.dead_letters"), 1)
        // The body stays on the dead-letter queue, to be replayed; the table keeps its digest only
        // (no dossier content in plaintext at rest, issue 17).
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM kittest.dead_letters
            WHERE message_id = $1 AND body IS NULL AND body_sha256 ~ '^[0-9a-f]{64}$' AND body_bytes > 0
            """, [poison]), 1)
        XCTAssertEqual(harness.metric("tthc_messages_failed_total"), 0, "a permanent failure is not retried")
        let admin = try TestEnvironment.amqp()
        defer { admin.close() }
        try TestEnvironment.eventually("the queue emptied") { try admin.messageCount(queue: PipelineHarness.queue) == 0 }
    }

    func testAPoisonMessageAmongValidOnesForASingleHandlerIsDeadLetteredAndTheRestHandledOnce() throws {
        let (valid, poison) = try poisonAmongValid(type: EffectHandler.type)
        try assertHandledOnceAndPoisonDeadLettered(valid, poison: poison)
    }

    func testAPoisonMessageAmongValidOnesForABatchHandlerIsDeadLetteredAndTheRestHandledOnce() throws {
        let (valid, poison) = try poisonAmongValid(type: BatchEffectHandler.type)
        try assertHandledOnceAndPoisonDeadLettered(valid, poison: poison)
    }

    /// Texts PostgreSQL refuses in what a dead letter records (its id, a header, the envelope id)
    /// never stop the consumer: the dead letter is recorded with them made storable.
    func testADeadLetterWhoseOwnTextsPostgreSQLRefusesIsStillRecordedAndTheConsumerGoesOn() throws {
        let admin = try TestEnvironment.amqp(confirms: true)
        defer { admin.close() }
        try admin.publish(exchange: "", routingKey: PipelineHarness.queue, body: Array("not json".utf8), properties: MessageProperties(
            messageId: "nul-\u{0}-id", contentType: "application/cloudevents+json", headers: ["note": .string("a\u{0}b")]))
        let nulEnvelopeId = Array(#"{"specversion":"1.0","id":"x\u0000y","source":"urn:t","type":"vn.dang.tthc.kit.test-event.v1","data":{"label":"n"}}"#.utf8)
        try admin.publish(exchange: "", routingKey: PipelineHarness.queue, body: nulEnvelopeId,
                          properties: MessageProperties(messageId: "nul-envelope", contentType: "application/cloudevents+json"))
        try admin.waitForConfirms()
        let good = try harness.envelope("after")
        try harness.deliver(body: good.body, id: good.id)
        try TestEnvironment.eventually("both recorded, the next message handled") {
            let recorded = try TestEnvironment.count("""
                SELECT count(*) AS n FROM kittest.dead_letters
                WHERE (message_id = 'nul--id' AND error_code = 'malformed-json') OR (message_id = 'nul-envelope' AND error_code = 'invalid-envelope')
                """)
            let handled = try harness.effects(good.id)
            return recorded == 2 && handled == 1
        }
    }

    func testDeliveriesArrivingWhileAMessageIsRetriedAreNeitherLostNorAcknowledgedUnhandled() throws {
        let first = try (0..<100).map { try harness.envelope("first-\($0)") }
        // 4 whole-batch tries, then 3 alone (50 + 200 + 800 ms of waiting): the second wave arrives meanwhile.
        harness.failures.failNext(first[50].id, times: 7)
        try harness.deliver(first)
        try TestEnvironment.eventually("the batch taken apart") { harness.metric("tthc_batch_fallbacks_total") >= 1 }
        // These arrive while the failing message waits between its tries alone.
        let second = try (0..<100).map { try harness.envelope("second-\($0)") }
        try harness.deliver(second)
        try TestEnvironment.eventually("all 200 handled") {
            try TestEnvironment.count("SELECT count(DISTINCT message_id) AS n FROM kittest.effects") == 200
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects"), 200, "nothing handled twice")
        XCTAssertEqual(try harness.effects(first[50].id), 1)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.dead_letters"), 0)
    }
}

/// Which acks settle exactly a set of deliveries (no broker needed).
final class DeliveryLedgerTests: XCTestCase {
    func testAMultipleAckCoversOnlyAContiguousRunOfHandledDeliveries() {
        var ledger = DeliveryLedger()
        for tag in UInt64(1)...6 { ledger.received(tag) }
        // 3 is still being retried: 1–2 go in one multiple ack, 4 and 5 one by one.
        XCTAssertEqual(ledger.acknowledge([1, 2, 4, 5]), [.upTo(2), .single(4), .single(5)])
        XCTAssertEqual(ledger.outstanding, [3, 6])
        ledger.rejected(3)
        XCTAssertEqual(ledger.acknowledge([6]), [.single(6)])
        XCTAssertEqual(ledger.outstanding, [])
    }

    func testASettledDeliveryIsNeverAckedAgain() {
        var ledger = DeliveryLedger()
        for tag in UInt64(1)...3 { ledger.received(tag) }
        XCTAssertEqual(ledger.acknowledge([1, 2, 3]), [.upTo(3)])
        XCTAssertEqual(ledger.acknowledge([2]), [], "an ack for a settled tag would close the channel")
    }

    func testAWholeBatchIsSettledWithOneAck() {
        var ledger = DeliveryLedger()
        for tag in UInt64(10)...209 { ledger.received(tag) }
        XCTAssertEqual(ledger.acknowledge(Array(10...209)), [.upTo(209)])
    }
}

/// A service emits only what MessageDirectory declares for it.
final class DeclaredMessagesTests: XCTestCase {
    func testAHandlerCannotEmitOrAnswerATypeItsServiceDoesNotDeclare() throws {
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        let context = HandlerContext(db: db, service: "notification", now: Date())
        XCTAssertThrowsError(try context.emit(.dossierAccepted, subject: "X", data: ["a": "b"])) { error in
            XCTAssertTrue(error is UndeclaredMessage, "\(error)")
        }
        let validation = HandlerContext(db: db, service: "validation", now: Date())
        XCTAssertNoThrow(try validation.emit(.dossierAccepted, subject: "X", data: ["a": "b"]))
        XCTAssertThrowsError(try validation.emit(.dossierDecided, subject: "X", data: ["a": "b"]))
        XCTAssertThrowsError(try validation.tellOrganisationSoftware("org-software-demo", .dossierStepAssigned, subject: "X", data: ["a": "b"]))
        XCTAssertEqual(validation.emitted.count, 1)
    }
}
