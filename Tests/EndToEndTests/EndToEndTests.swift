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

    func testPaymentOpensAnOrderWithTheAmountDueAndBooksItsAssessment() throws {
        let system = try SystemHarness()
        try system.start("payment")
        // As routing, the one service that may request payments.
        let amqp = try TestEnvironment.amqp(user: "tthc-routing", confirms: true)
        defer { amqp.close() }
        let dossier = "\(system.organisation)-261201-\(String(format: "%06d", Int.random(in: 1...999_999)))"
        let member = "DV-\(UUID().uuidString.prefix(8))"
        let envelope = Envelope(source: "urn:tthc:test", type: .paymentRequested, subject: dossier, data: PaymentRequestedV2(
            paymentId: "\(dossier).1", dossierCode: dossier, memberId: member, collectingOrganisationCode: system.organisation,
            procedureCode: ProcedureCode.partyDues, procedureVersion: 2, purpose: .partyDues,
            // November at half of 1 % of 9,500,000 (a 50 % reduction for one month), December at 1 %.
            dues: DuesDeclaration(firstMonth: DuesMonth(year: 2026, month: 11), months: 2, group: "social-insurance", basisVND: 9_500_000,
                                  relief: .reduction(percent: 50), reliefMonths: 1), requestedAt: Date()))
        try amqp.publish(exchange: Exchange.events, routingKey: MessageType.paymentRequested.routingKey,
                         body: try WireJSON.encode(envelope), properties: MessageProperties(messageId: envelope.id, userId: "tthc-routing"))
        try amqp.waitForConfirms()
        try TestEnvironment.eventually("order opened") {
            try TestEnvironment.count("SELECT count(*) AS n FROM payment.payment_orders WHERE dossier_code = $1 AND amount_to_pay_vnd = 142500",
                                      [dossier]) == 1
        }
        XCTAssertEqual(try TestEnvironment.value("SELECT months::text FROM payment.payment_orders WHERE dossier_code = $1", [dossier]),
                       #"[{"month": "2026-11", "relief": "giam-50", "amountDueVND": 47500}, {"month": "2026-12", "amountDueVND": 95000}]"#)
        // The assessment is one balanced journal: the member owes, the chi bộ earns.
        XCTAssertEqual(try TestEnvironment.value("""
            SELECT string_agg(l.account || '=' || l.amount_vnd, ' ' ORDER BY l.line) FROM payment.ledger_lines l
            JOIN payment.ledger_journals j USING (journal_id) WHERE j.payment_id = $1
            """, ["\(dossier).1"]), "member:\(member)=142500 org:\(system.organisation):dues-income=-142500")
        // A dossier withdrawn before its payment request arrives never gets an order.
        let withdrawn = "\(system.organisation)-261201-\(String(format: "%06d", Int.random(in: 1...999_999)))"
        func publish<Payload: Codable & Sendable>(_ type: MessageType, _ data: Payload) throws {
            let envelope = Envelope(source: "urn:tthc:test", type: type, subject: withdrawn, data: data)
            try amqp.publish(exchange: Exchange.events, routingKey: type.routingKey, body: try WireJSON.encode(envelope),
                             properties: MessageProperties(messageId: envelope.id, userId: "tthc-routing"))
            try amqp.waitForConfirms()
        }
        try publish(.dossierWithdrawn, DossierWithdrawnV1(dossierCode: withdrawn, memberId: member, reason: "Rút trước khi nộp tiền",
                                                          withdrawnAt: Date()))
        try TestEnvironment.eventually("the withdrawal kept") {
            try TestEnvironment.count("SELECT count(*) AS n FROM payment.withdrawn_dossiers WHERE dossier_code = $1", [withdrawn]) == 1
        }
        let consumed = system.metric("payment", "tthc_messages_consumed_total")
        try publish(.paymentRequested, PaymentRequestedV2(
            paymentId: "\(withdrawn).1", dossierCode: withdrawn, memberId: member, collectingOrganisationCode: system.organisation,
            procedureCode: ProcedureCode.partyDues, procedureVersion: 2, purpose: .partyDues,
            dues: DuesDeclaration(firstMonth: DuesMonth(year: 2027, month: 1), group: "student"), requestedAt: Date()))
        try TestEnvironment.eventually("the request handled") { system.metric("payment", "tthc_messages_consumed_total") > consumed }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM payment.payment_orders WHERE dossier_code = $1", [withdrawn]), 0)
        XCTAssertEqual(try system.stopAll()["payment"], 0)
    }
}
