import Contracts
import Foundation
import Messaging
import TestSupport
import XCTest

/// A dossier flows intake → validation → routing → archive, with notices, exactly once.
final class EndToEndTests: XCTestCase {
    func testThousandDossiersAreArchivedExactlyOnce() throws {
        let system = try SystemHarness()
        try system.startAll()
        try TestEnvironment.submitDossiers(1000, organisation: system.organisation)
        try TestEnvironment.eventually(timeout: 300, interval: 0.5, "1,000 results archived") {
            try system.archived() == 1000 && system.notices() == 4000
        }
        try system.assertExactlyOnce(1000)
        let statuses = try system.stopAll()
        XCTAssertEqual(Set(statuses.values), [0], "every service exits 0 on SIGTERM: \(statuses)")
    }

    func testPaymentServiceRunsMigratesAndRecordsRequests() throws {
        let system = try SystemHarness()
        try system.start("payment")
        // As routing, the one service that may request payments.
        let amqp = try TestEnvironment.amqp(user: "tthc-routing", confirms: true)
        defer { amqp.close() }
        let paymentId = "PAY-\(UUID().uuidString.prefix(8))"
        let envelope = Envelope(source: "urn:tthc:test", type: .paymentRequested, data: PaymentRequestedV1(
            paymentId: paymentId, dossierCode: nil, memberId: "DV1", amountVND: 45_000, purpose: "Đảng phí tháng 11/2026"))
        try amqp.publish(exchange: Exchange.events, routingKey: MessageType.paymentRequested.routingKey,
                         body: try WireJSON.encode(envelope), properties: MessageProperties(messageId: envelope.id, userId: "tthc-routing"))
        try amqp.waitForConfirms()
        try TestEnvironment.eventually("payment recorded") {
            try TestEnvironment.count("SELECT count(*) AS n FROM payment.payments WHERE payment_id = $1 AND amount_vnd = 45000",
                                      [paymentId]) == 1
        }
        XCTAssertEqual(try system.stopAll()["payment"], 0)
    }
}
