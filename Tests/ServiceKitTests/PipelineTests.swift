import Contracts
import Foundation
import Messaging
import ServiceKit
import TestSupport
import XCTest

final class PipelineTests: XCTestCase {
    var harness: PipelineHarness!
    var observer: AMQPConnection!
    var observerQueue = ""

    override func setUpWithError() throws {
        harness = try PipelineHarness()
        // Watches what the relay publishes.
        observer = try TestEnvironment.amqp()
        observerQueue = try observer.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try observer.bindQueue(observerQueue, exchange: Exchange.events, routingKey: EffectHandler.done.routingKey)
    }

    override func tearDown() {
        harness?.stop()
        observer?.close()
    }

    func published() throws -> Int { try observer.messageCount(queue: observerQueue) }

    func testDuplicateDeliveryChangesStateOnce() throws {
        let message = try harness.envelope("twice")
        try harness.deliver(body: message.body, id: message.id)
        try harness.deliver(body: message.body, id: message.id)
        try TestEnvironment.eventually("duplicate detected") {
            harness.metric("tthc_messages_duplicate_total") == 1 && harness.metric("tthc_messages_consumed_total") == 1
        }
        try TestEnvironment.eventually("outbox drained") {
            try TestEnvironment.count("SELECT count(*) AS n FROM kittest.outbox") == 0 && (try published()) >= 1
        }
        XCTAssertEqual(try harness.effects(message.id), 1)
        XCTAssertEqual(try published(), 1, "the duplicate emits nothing")
    }

    func testFailedTransactionIsRetriedAndSucceedsOnce() throws {
        let message = try harness.envelope("retry")
        harness.failures.failNext(message.id, times: 5)
        try harness.deliver(body: message.body, id: message.id)
        try TestEnvironment.eventually("handled after retries") { try harness.effects(message.id) == 1 }
        try TestEnvironment.eventually("event published") { try published() == 1 }
        // A serialization failure is a conflict, not the message's fault: the batch is tried again
        // whole three times (failures 1–4), then taken apart; the message's own first attempt
        // fails (5), its second succeeds.
        XCTAssertEqual(harness.metric("tthc_batch_conflicts_total"), 3)
        XCTAssertEqual(harness.metric("tthc_batch_fallbacks_total"), 1)
        XCTAssertEqual(harness.metric("tthc_messages_failed_total"), 1)
        XCTAssertEqual(try harness.effects(message.id), 1, "the rolled-back attempts left no effect")
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.inbox"), 1)
    }

    func testOnePoisonMessageDoesNotBlockItsBatch() throws {
        var ids: [String] = []
        let admin = try TestEnvironment.amqp(confirms: true)
        for i in 0..<50 {
            let message = try harness.envelope(i == 25 ? "poison" : "ok-\(i)")
            ids.append(message.id)
            try admin.publish(exchange: "", routingKey: PipelineHarness.queue, body: message.body,
                              properties: MessageProperties(messageId: message.id))
        }
        try admin.waitForConfirms()
        admin.close()
        try TestEnvironment.eventually("49 handled") {
            try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects") == 49
        }
        try TestEnvironment.eventually("poison dead-lettered") {
            try TestEnvironment.count("SELECT count(*) AS n FROM kittest.dead_letters WHERE error_code = 'test-rule'") == 1
        }
        XCTAssertEqual(try harness.effects(ids[25]), 0)
        try TestEnvironment.eventually("49 events") { try published() == 49 }
    }

    func testTheSameIdWithOtherContentIsDeadLetteredAsAConflictNotSkipped() throws {
        let id = UUID().uuidString.lowercased()
        let original = try harness.envelope("original", id: id)
        try harness.deliver(body: original.body, id: id)
        try TestEnvironment.eventually("handled") { try harness.effects(id) == 1 }
        let other = try harness.envelope("other content", id: id)
        try harness.deliver(body: other.body, id: id)
        try harness.deliver(body: original.body, id: id)
        try TestEnvironment.eventually("the conflict dead-lettered, the redelivery skipped") {
            let conflicts = try TestEnvironment.count(
                "SELECT count(*) AS n FROM kittest.dead_letters WHERE error_code = 'conflicting-duplicate'")
            return harness.metric("tthc_messages_duplicate_total") == 1 && conflicts == 1
        }
        XCTAssertEqual(try harness.effects(id), 1)
    }

    func testAnOutboxRowTheBrokerRefusesIsSetAsideAndTheRowsAfterItArePublished() throws {
        // A row for an exchange the broker does not have, ahead of a good one.
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        try db.execute("""
            INSERT INTO kittest.outbox (message_id, exchange, routing_key, message_type, content_type, body)
            VALUES ('refused-1', 'tthc.no-such-exchange', 'x', 'kit.test-done.v1', 'application/json', '\\x7b7d'::bytea)
            """)
        let message = try harness.envelope("after the refused row")
        try harness.deliver(body: message.body, id: message.id)
        try TestEnvironment.eventually("the good row published past the refused one") { try published() == 1 }
        XCTAssertEqual(try TestEnvironment.count(
            "SELECT count(*) AS n FROM kittest.dead_letters WHERE message_id = 'refused-1' AND error_code = 'publish-refused'"), 1)
        // The relay deletes what it published after the broker's confirm, in its next statement:
        // the row may still be there the instant the message is seen.
        try TestEnvironment.eventually("the outbox emptied") { try TestEnvironment.count("SELECT count(*) AS n FROM kittest.outbox") == 0 }
    }

    func testABinaryModeCloudEventIsRefusedWithHowToSendIt() throws {
        let admin = try TestEnvironment.amqp(confirms: true)
        defer { admin.close() }
        try admin.publish(exchange: "", routingKey: PipelineHarness.queue, body: Array(#"{"label":"binary"}"#.utf8),
                          properties: MessageProperties(messageId: "binary-1", contentType: "application/json", headers: [
                              "cloudEvents:specversion": .string("1.0"), "cloudEvents:type": .string(EffectHandler.type.cloudEventType),
                              "cloudEvents:id": .string("binary-1"), "cloudEvents:source": .string("urn:test"),
                          ]))
        try admin.waitForConfirms()
        try TestEnvironment.eventually("dead-lettered with the way to send it") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM kittest.dead_letters
                WHERE error_code = 'binary-mode-not-supported' AND reason LIKE '%structured mode%application/cloudevents+json%'
                """) == 1
        }
    }

    func testUnprocessableMessagesAreDeadLetteredWithTheirReason() throws {
        let unknownMajor = try harness.envelope("v2", type: MessageType("kit.test-event", major: 2))
        let unknownType = try harness.envelope("other", type: MessageType("kit.other-event", major: 1))
        let big = try harness.envelope(String(repeating: "x", count: 5000))
        let missingField = (id: UUID().uuidString, body: Array("""
            {"specversion":"1.0","id":"m-1","source":"urn:x","type":"vn.dang.tthc.kit.test-event.v1","data":{"nolabel":1}}
            """.utf8))
        let cases: [(id: String, body: [UInt8], code: String)] = [
            ("bad-json", Array("{not json".utf8), "malformed-json"),
            (unknownType.id, unknownType.body, "unknown-type"),
            (unknownMajor.id, unknownMajor.body, "unsupported-version"),
            (big.id, big.body, "message-too-large"),
            ("m-1", missingField.body, "schema-violation"),
        ]
        for c in cases { try harness.deliver(body: c.body, id: c.id) }
        let deadLetterQueue = "\(PipelineHarness.service).dead-letter"
        let admin = try TestEnvironment.amqp()
        defer { admin.close() }
        try TestEnvironment.eventually("5 dead letters") { try admin.messageCount(queue: deadLetterQueue) == 5 }
        var codes: [String: String] = [:]
        while let d = try admin.get(queue: deadLetterQueue) {
            codes[d.properties.messageId ?? ""] = d.properties.headers[DeadLetterHeader.errorCode]?.stringValue
            XCTAssertNotNil(d.properties.headers[DeadLetterHeader.reason]?.stringValue)
            XCTAssertEqual(d.properties.headers[DeadLetterHeader.sourceQueue]?.stringValue, PipelineHarness.queue)
            try admin.ack(d.deliveryTag)
        }
        for c in cases { XCTAssertEqual(codes[c.id], c.code, "dead letter \(c.id)") }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.dead_letters"), 5)
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM kittest.effects"), 0)
    }
}

final class MetricsFormatTests: XCTestCase {
    func testCountersAppearInPrometheusText() {
        let metrics = ServiceMetrics(service: "probe")
        metrics.consumed(type: "a.b.v1", count: 3)
        XCTAssertTrue(metrics.text().contains("tthc_messages_consumed_total"))
    }
}

final class NumberReservationTests: XCTestCase {
    func testItemsGetConsecutiveNumbersPerKeyInOrder() {
        let items = ["B", "A", "B", "C", "B"]
        let reservation = NumberReservation(for: items)
        XCTAssertEqual(reservation.keys, ["A", "B", "C"])
        XCTAssertEqual(reservation.counts, [1, 3, 1])
        // After the reservation: A's counter went 4→5, B's 7→10, C's 0→1.
        XCTAssertEqual(reservation.assign(items, lastValues: ["A": 5, "B": 10, "C": 1]), [8, 5, 9, 1, 10])
    }
}

final class InboxRetentionTests: XCTestCase {
    func testHandledIdsOlderThanTheRetentionWindowAreForgotten() throws {
        let harness = try PipelineHarness()
        defer { harness.stop() }
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        try db.execute("""
            INSERT INTO kittest.inbox (message_id, message_type, handled_at) VALUES
              ('old', 'kit.test-event.v1', now() - interval '31 days'), ('recent', 'kit.test-event.v1', now() - interval '29 days')
            """)
        try db.execute("SET search_path TO kittest")
        try OutboxRelay(env: harness.env).pruneInbox(db)
        let left = try db.execute("SELECT message_id FROM kittest.inbox ORDER BY 1").rows.map { try $0.string("message_id") }
        XCTAssertEqual(left, ["recent"])
    }

    func testDeadLetterRecordsOlderThanTheirRetentionAreForgotten() throws {
        let harness = try PipelineHarness()
        defer { harness.stop() }
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        try db.execute("""
            INSERT INTO kittest.dead_letters (message_id, error_code, reason, source_queue, dead_lettered_at) VALUES
              ('old', 'x', 'x', 'q', now() - interval '401 days'), ('recent', 'x', 'x', 'q', now() - interval '399 days'),
              ('refused-from-outbox', 'x', 'x', 'outbox:tthc.events/x', now() - interval '401 days')
            """)
        try db.execute("SET search_path TO kittest")
        try OutboxRelay(env: harness.env).pruneDeadLetters(db)
        let left = try db.execute("""
            SELECT message_id FROM kittest.dead_letters WHERE message_id IN ('old', 'recent', 'refused-from-outbox') ORDER BY 1
            """).rows.map { try $0.string("message_id") }
        XCTAssertEqual(left, ["recent", "refused-from-outbox"], "an outbox row's only copy is kept")
    }
}
