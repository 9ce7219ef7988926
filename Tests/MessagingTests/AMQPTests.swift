import Foundation
import Messaging
import TestSupport
import XCTest

final class AMQPURLTests: XCTestCase {
    func testParsesUserPasswordHostPortAndVhost() throws {
        let url = try AMQPURL("amqps://tthc-intake:p%40ss@mq.example:5671/tthc")
        XCTAssertEqual(url.user, "tthc-intake")
        XCTAssertEqual(url.password, "p@ss")
        XCTAssertEqual(url.host, "mq.example")
        XCTAssertEqual(url.port, 5671)
        XCTAssertEqual(url.vhost, "tthc")
        XCTAssertTrue(url.tls)
        XCTAssertFalse(url.description.contains("p@ss"), "no password in logs")
        XCTAssertEqual(try AMQPURL("amqp://h").vhost, "/")
        XCTAssertEqual(try AMQPURL("amqp://h").port, 5672)
        XCTAssertThrowsError(try AMQPURL("http://h/tthc"))
    }
}

final class BrokerTests: XCTestCase {
    func testConfirmedPublishAndManualAck() throws {
        let admin = try TestEnvironment.amqp(confirms: true)
        defer { admin.close() }
        let queue = "messaging-test.\(UUID().uuidString)"
        try admin.declareQueue(queue, durable: false, autoDelete: true)
        for i in 0..<100 {
            try admin.publish(exchange: "", routingKey: queue, body: Array("m\(i)".utf8),
                              properties: MessageProperties(messageId: "id-\(i)", headers: ["n": .int(Int64(i)), "s": .string("v")]))
        }
        try admin.waitForConfirms()
        let consumer = try TestEnvironment.amqp()
        defer { consumer.close() }
        try consumer.setPrefetch(10)
        try consumer.consume(queue: queue)
        var received: [Delivery] = []
        try TestEnvironment.eventually("100 deliveries") {
            while let d = try consumer.nextDelivery(timeout: 0.05) {
                received.append(d)
                try consumer.ack(d.deliveryTag)
            }
            return received.count == 100
        }
        XCTAssertEqual(received.map { String(decoding: $0.body, as: UTF8.self) }, (0..<100).map { "m\($0)" })
        XCTAssertEqual(received[7].properties.headers["n"], .int(7))
        XCTAssertEqual(received[7].properties.headers["s"], .string("v"))
        XCTAssertEqual(received[7].properties.messageId, "id-7")
    }

    /// Only integrators and intake may touch `tthc.intake` (Deploy/rabbitmq/definitions.json).
    func testValidationUserCannotPublishToTheIntakeExchange() throws {
        let validation = try TestEnvironment.amqp(user: "tthc-validation", confirms: true)
        defer { validation.close() }
        try validation.publish(exchange: Exchange.intake, routingKey: "dossier.submit.v1", body: Array("{}".utf8))
        XCTAssertThrowsError(try validation.waitForConfirms(timeout: 10)) { error in
            XCTAssertTrue((error as? AMQPError)?.isAccessRefused == true, "\(error)")
        }
    }

    func testIntegratorCannotPretendToBeAnotherUser() throws {
        let portal = try TestEnvironment.amqp(user: "portal-test", confirms: true)
        defer { portal.close() }
        try portal.publish(exchange: Exchange.intake, routingKey: "dossier.submit.v1", body: Array("{}".utf8),
                           properties: MessageProperties(userId: "portal-demo"))
        XCTAssertThrowsError(try portal.waitForConfirms(timeout: 10)) { error in
            XCTAssertTrue("\(error)".contains("PRECONDITION_FAILED") || "\(error)".contains("406"), "\(error)")
        }
    }
}

/// `amqps://` through OpenSSL, verifying the broker's certificate against a configured CA.
final class TLSTests: XCTestCase {
    var caPath: String { ProcessInfo.processInfo.environment["TTHC_TLS_CA_FOR_TESTS"] ?? "" }
    var port: String { ProcessInfo.processInfo.environment["TTHC_AMQPS_PORT"] ?? "5671" }

    func testPublishAndConsumeOverTLS() throws {
        let url = try AMQPURL("amqps://tthc-admin:tthc-admin@localhost:\(port)/tthc", caCertificatePath: caPath)
        let amqp = try AMQPConnection(url: url, heartbeat: 0)
        defer { amqp.close() }
        try amqp.enableConfirms()
        let queue = "tls-test.\(UUID().uuidString)"
        try amqp.declareQueue(queue, durable: false, autoDelete: true)
        try amqp.publish(exchange: "", routingKey: queue, body: Array("qua TLS".utf8))
        try amqp.waitForConfirms()
        let delivery = try XCTUnwrap(try amqp.get(queue: queue))
        XCTAssertEqual(String(decoding: delivery.body, as: UTF8.self), "qua TLS")
        try amqp.ack(delivery.deliveryTag)
        try amqp.deleteQueue(queue)
    }

    func testAnUntrustedCertificateIsRefused() throws {
        // The system CA bundle does not know the development CA: the handshake must fail.
        let url = try AMQPURL("amqps://tthc-admin:tthc-admin@localhost:\(port)/tthc",
                              caCertificatePath: "/etc/ssl/certs/ca-certificates.crt")
        XCTAssertThrowsError(try AMQPConnection(url: url, heartbeat: 0))
    }
}
