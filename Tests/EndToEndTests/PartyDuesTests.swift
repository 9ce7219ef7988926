import Contracts
import Foundation
import Messaging
import PaymentGateways
import Persistence
import Synchronization
import TestSupport
import XCTest

/// Procedure (3), party dues (DANGPHI), on the real servers with the payment platform's sandbox:
/// declare → amount due → pay online or in cash → the chi bộ records → the receipt (biên lai, BL).
final class PartyDuesTests: XCTestCase, RoutingScenario {
    var payment: String { "http://127.0.0.1:18084" }
    var sandbox: String { "http://127.0.0.1:\(SystemHarness.sandboxPort)" }

    /// Submits a dues dossier; returns its code once payment has opened its order.
    func declare(_ submit: DossierSubmitV1) throws -> String {
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(submit)
        let reply = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body)
        let code = reply.data.dossierCode
        try TestEnvironment.eventually("order opened for \(code)") {
            try TestEnvironment.count("SELECT count(*) AS n FROM payment.payment_orders WHERE dossier_code = $1", [code]) == 1
        }
        return code
    }

    func order(_ code: String, _ column: String) throws -> String? {
        try TestEnvironment.value("SELECT \(column)::text FROM payment.payment_orders WHERE dossier_code = $1", [code])
    }

    /// Opens the checkout link as the payer's browser does; returns the gateway attempt's reference.
    func checkout(_ code: String) throws -> String {
        let token = try XCTUnwrap(try order(code, "checkout_token"))
        let gateway = try XCTUnwrap(HTTPProbe.redirect("\(payment)/thanh-toan/\(token)"), "the checkout link redirects to the platform")
        XCTAssertTrue(gateway.hasPrefix("\(sandbox)/paymentv2/vpcpay.html?"), gateway)
        // The platform accepts the signed request and shows its page.
        let page = try XCTUnwrap(HTTPProbe.get(gateway))
        XCTAssertEqual(page.status, 200, page.body)
        return try XCTUnwrap(VNPay.parameters(fromQuery: String(gateway.split(separator: "?")[1]))["vnp_TxnRef"])
    }

    /// The platform decides the attempt and calls the IPN; returns the merchant's `RspCode`s.
    func complete(_ reference: String, _ command: [String: Any] = [:]) throws -> [String] {
        try Self.complete(reference, command, sandbox: sandbox)
    }

    static func complete(_ reference: String, _ command: [String: Any], sandbox: String) throws -> [String] {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: command), as: UTF8.self)
        let answer = try XCTUnwrap(HTTPProbe.post("\(sandbox)/sandbox/transactions/\(reference)/complete",
                                                  headers: ["Content-Type": "application/json"], body: body))
        XCTAssertEqual(answer.status, 200, answer.body)
        let replies = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])?["replies"] as? [[String: Any]])
        return replies.map { $0["rspCode"] as? String ?? "-" }
    }

    func receipts(_ code: String) throws -> Int {
        try TestEnvironment.count("""
            SELECT count(*) AS n FROM payment.ledger_journals WHERE kind = 'receipt' AND payment_id = (
                SELECT payment_id FROM payment.payment_orders WHERE dossier_code = $1)
            """, [code])
    }

    func testAMonthPaidOnlineIsBookedOnceDespiteForgedDuplicatedAndAlteredCallbacksAndReceipted() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        try system.startGatewaySandbox()
        let cell = system.organisation
        let code = try declare(SampleDossier.partyDues(member: member, firstMonth: "12/2026"))
        XCTAssertEqual(try order(code, "amount_to_pay_vnd"), "95000", "1 % of 9,500,000")
        XCTAssertEqual(try routeStatus(code), "awaiting-payment")
        // The member's timeline says how much and where to pay (the integrator gets the same event),
        // once intake has heard from payment.
        try TestEnvironment.eventually("intake shows what is due") {
            try TestEnvironment.value("""
                SELECT details->>'amountToPayVND' FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = 'payment.due.v1'
                """, [code]) == "95000"
        }
        let reference = try checkout(code)

        // A callback signed with another key is refused (97) and books nothing.
        XCTAssertEqual(try complete(reference, ["forgeSignature": true]), ["97"])
        XCTAssertEqual(try receipts(code), 0)
        XCTAssertEqual(try order(code, "status"), "awaiting-payment")
        // Paid: the first callback is confirmed (00), the platform's duplicate is "already confirmed" (02).
        XCTAssertEqual(try complete(reference, ["outcome": "success", "deliveries": 2]), ["00", "02"])
        // A late callback for the same attempt with another amount is refused (04), retried, never booked.
        XCTAssertEqual(Set(try complete(reference, ["amountVND": 96_000])), ["04"])
        XCTAssertEqual(try receipts(code), 1)
        XCTAssertEqual(try ledger("member:\(member.memberId)"), 0, "assessed 95,000, paid 95,000")
        XCTAssertEqual(try ledger("org:\(cell):bank"), 95_000)
        XCTAssertEqual(try TestEnvironment.value("SELECT string_agg(answer, ' ' ORDER BY callback_id) FROM payment.gateway_callbacks WHERE transaction_reference = $1",
                                                 [reference])?.hasPrefix("forged confirmed alreadyConfirmed wrongAmount"), true)
        // An order the platform never saw: "order not found" (01).
        let unknown = VNPay.signed(VNPay.Outcome(merchantCode: ProcessInfo.processInfo.environment["TTHC_VNPAY_TMN_CODE"] ?? "",
                                                 transactionReference: "\(code).1.99", amountVND: 95_000, responseCode: "00",
                                                 transactionStatus: "00", transactionNumber: "1", bankCode: "NCB", payDate: Date()).parameters,
                                   secret: ProcessInfo.processInfo.environment["TTHC_VNPAY_HASH_SECRET"] ?? "")
        XCTAssertTrue(HTTPProbe.get("\(payment)/v1/payment-gateways/vnpay/ipn?\(VNPay.query(unknown))")?.body.contains(#""RspCode":"01""#) == true)

        // Reconciled with the platform's statement of the day: the payment matches; a line payment
        // never booked (a lost callback) is reported, and an officer who is not an auditor may not ask.
        let day = String(VNPay.timestamp(Date()).prefix(8))
        let statement = try XCTUnwrap(HTTPProbe.get("\(sandbox)/sandbox/statements/\(day).csv")).body
        XCTAssertTrue(statement.contains("\(reference),"), statement)
        let planted = statement + "\(code).1.77,999,50000,\(day)120000,00\n"
        func reconcile(_ token: String) throws -> (status: Int, body: String) {
            try XCTUnwrap(HTTPProbe.post("\(payment)/v1/payment-gateways/vnpay/statements/\(day)",
                                         headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/csv"], body: planted))
        }
        let (officer, auditor) = (try await token(cell), try await token(cell, role: "auditor"))
        XCTAssertEqual(try reconcile(officer).status, 403)
        let report = try reconcile(auditor)
        XCTAssertEqual(report.status, 200, report.body)
        let mismatches = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(report.body.utf8)) as? [String: Any])?["mismatches"]
            as? [[String: Any]]).filter { ($0["reference"] as? String)?.hasPrefix(code) == true }
        XCTAssertEqual(mismatches.map { "\($0["kind"] ?? "") \($0["reference"] ?? "")" }, ["not-booked \(code).1.77"])

        // The pay step is done with what was paid; the chi bộ records; the receipt is issued.
        try TestEnvironment.eventually("the chi bộ's step") { try self.currentStep(code)?.number == 2 }
        XCTAssertEqual(try TestEnvironment.value(
            "SELECT content->>'amountVND' || ' ' || (content->>'channel') FROM routing.route_steps WHERE dossier_code = $1 AND step_number = 1",
            [code]), "95000 online")
        try await expectDecision(200, cell, code, step: 2, "approve")
        try await assertResultWithLegalForce(of: code, member: member, issuedBy: cell, documentType: "BL",
                                             title: "BIÊN LAI THU ĐẢNG PHÍ", storeOrganisation: cell)
        // The month counts for the introduction letter's dues line.
        XCTAssertEqual(try TestEnvironment.value("SELECT string_agg(month, ',') FROM payment.dues_months WHERE member_id = $1",
                                                 [member.memberId]), "2026-12")
        try system.stopAll()
    }

    func testReducedExemptCashOverpaidAndTwicePaidMonthsSettleFromTheLedger() async throws {
        let system = try SystemHarness()
        let member = try startSystem(system)
        try system.startGatewaySandbox()
        let cell = system.organisation
        let account = "member:\(member.memberId)"

        // November at half (a 50 % reduction, its request signed by the member), 10,000 more paid in cash.
        let reduced = try declare(SampleDossier.partyDues(member: member, firstMonth: "11/2026", relief: "giam-50", reliefMonths: 1,
                                                          extraVND: 10_000))
        XCTAssertEqual(try order(reduced, "amount_to_pay_vnd"), "57500")
        let paymentId = try XCTUnwrap(try order(reduced, "payment_id"))
        let treasurer = try await token(cell, person: "THU-QUY")
        func cash(_ amount: Int, token: String) throws -> Int {
            try XCTUnwrap(HTTPProbe.post("\(payment)/v1/payments/\(paymentId)/cash",
                                         headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                         body: #"{"amountVND": \#(amount)}"#)).status
        }
        let otherCell = try await token("\(cell)X")
        XCTAssertEqual(try cash(57_500, token: otherCell), 403, "only the member's chi bộ")
        XCTAssertEqual(try cash(50_000, token: treasurer), 422, "less than due")
        XCTAssertEqual(try cash(57_500, token: treasurer), 200)
        XCTAssertEqual(try cash(57_500, token: treasurer), 409, "recorded once")
        XCTAssertEqual(try ledger(account), -10_000, "the extra is the member's credit")
        XCTAssertEqual(try ledger("org:\(cell):cash"), 57_500)

        // January: 95,000 less the credit. The member opens the link three times: cancels the first
        // attempt, pays the second, and the third is paid too (paying twice).
        let january = try declare(SampleDossier.partyDues(member: member, firstMonth: "01/2027"))
        XCTAssertEqual(try order(january, "amount_to_pay_vnd"), "85000")
        let attempts = try (1...3).map { _ in try checkout(january) }
        XCTAssertEqual(Set(attempts).count, 3, "each attempt has its own reference at the platform")
        XCTAssertEqual(try complete(attempts[0], ["outcome": "cancel"]), ["00"], "a cancelled attempt is confirmed, the order stays open")
        XCTAssertEqual(try order(january, "status"), "awaiting-payment")
        XCTAssertEqual(try complete(attempts[1]), ["00"])
        XCTAssertEqual(try order(january, "status"), "paid")
        XCTAssertNil(HTTPProbe.redirect("\(payment)/thanh-toan/\(try XCTUnwrap(try order(january, "checkout_token")))"),
                     "a paid order opens no new attempt")
        // Never lost: the second payment is the member's credit for the next months.
        XCTAssertEqual(try complete(attempts[2]), ["00"])
        XCTAssertEqual(try receipts(january), 2)
        XCTAssertEqual(try ledger(account), -85_000)

        // March declared, then withdrawn before paying: the order is cancelled, its charge reversed,
        // its link leads nowhere, and March can be declared again.
        let channel = try IntakeTests.ReplyChannel()
        let marchKey = UUID().uuidString.lowercased()
        _ = try channel.submit(SampleDossier.partyDues(clientSubmissionId: marchKey, member: member, firstMonth: "03/2027"))
        let march = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually("March's order") { try self.order(march, "status") == "awaiting-payment" }
        XCTAssertEqual(try order(march, "amount_to_pay_vnd"), "10000", "March's 95,000 less the 85,000 credit")
        XCTAssertEqual(try ledger(account), 10_000)
        _ = try channel.send(DossierWithdrawV1(dossierCode: march, clientSubmissionId: marchKey, reason: "Nộp nhầm kỳ"), type: .dossierWithdraw)
        try TestEnvironment.eventually("March's order cancelled") { try self.order(march, "status") == "cancelled" }
        XCTAssertEqual(try ledger(account), -85_000, "the credit is the member's again")
        XCTAssertNil(HTTPProbe.redirect("\(payment)/thanh-toan/\(try XCTUnwrap(try order(march, "checkout_token")))"))

        // February, exempt (50 years of membership): nothing to pay, settled at once; the credit stays.
        let exempt = try declare(SampleDossier.partyDues(member: member, firstMonth: "02/2027", relief: "membership-50-years"))
        try TestEnvironment.eventually("settled by the exemption") { try self.order(exempt, "status") == "paid" }
        XCTAssertEqual(try order(exempt, "channel"), "credit")
        XCTAssertEqual(try ledger(account), -85_000)
        for code in [reduced, january, exempt] {
            try TestEnvironment.eventually("\(code) at the chi bộ") { try self.currentStep(code)?.number == 2 }
        }
        XCTAssertEqual(try TestEnvironment.value("SELECT string_agg(month || '=' || amount_vnd, ',' ORDER BY month) FROM payment.dues_months WHERE member_id = $1",
                                                 [member.memberId]), "2026-11=47500,2027-01=95000,2027-02=0")
        // The chi bộ hands part of the credit back in cash: at most the credit, once per refund slip.
        func refund(_ amount: Int, slip: String = "HT-1") throws -> Int {
            try XCTUnwrap(HTTPProbe.post("\(payment)/v1/members/\(member.memberId)/dues-refunds",
                                         headers: ["Authorization": "Bearer \(treasurer)", "Content-Type": "application/json"],
                                         body: #"{"refundId": "\#(slip)", "amountVND": \#(amount), "reason": "Đảng viên đề nghị nhận lại"}"#)).status
        }
        XCTAssertEqual(try refund(100_000), 422, "more than the credit")
        XCTAssertEqual(try refund(35_000), 200)
        XCTAssertEqual(try refund(35_000), 200, "the same slip again")
        XCTAssertEqual(try refund(10_000), 409, "the same slip for another amount")
        XCTAssertEqual(try ledger(account), -50_000)
        XCTAssertEqual(try ledger("org:\(cell):cash"), 57_500 - 35_000)
        // Every journal balances, and the ledger as a whole sums to zero.
        XCTAssertEqual(try unbalancedJournals(), 0)
        try system.stopAll()
    }
}

extension PartyDuesTests {
    /// A callback that never came: once the attempt has expired, payment asks the platform
    /// (`querydr`) and books what it says; an attempt the platform never saw ends as not paid.
    func testAPaymentWhoseCallbackWasLostIsFoundByAskingThePlatform() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-02 09:00")
        let member = try startSystem(system, environment: clock.environment)
        try system.startGatewaySandbox(environment: clock.environment)
        let code = try declare(SampleDossier.partyDues(member: member, firstMonth: "12/2026"))
        // The payer opens the link and leaves (the platform never sees it), then pays on a second try.
        let token = try XCTUnwrap(try order(code, "checkout_token"))
        let abandoned = try XCTUnwrap(HTTPProbe.redirect("\(payment)/thanh-toan/\(token)").flatMap {
            VNPay.parameters(fromQuery: String($0.split(separator: "?")[1]))["vnp_TxnRef"]
        })
        let paid = try checkout(code)
        XCTAssertEqual(try complete(paid, ["deliveries": 0]), [], "the platform's callback is lost")
        XCTAssertEqual(try order(code, "status"), "awaiting-payment")

        try clock.set("2026-12-02 09:25")
        try TestEnvironment.eventually("found by asking the platform") { try self.order(code, "status") == "paid" }
        XCTAssertEqual(try receipts(code), 1)
        try TestEnvironment.eventually("the abandoned attempt is over") {
            try TestEnvironment.value("SELECT outcome || ':' || response_code FROM payment.gateway_attempts WHERE transaction_reference = $1",
                                      [abandoned]) == "failed:91"
        }
        XCTAssertEqual(try TestEnvironment.value("SELECT outcome FROM payment.gateway_attempts WHERE transaction_reference = $1", [paid]), "paid")
        try TestEnvironment.eventually("the chi bộ's step") { try self.currentStep(code)?.number == 2 }
        try system.stopAll()
    }
}

extension PartyDuesTests {
    /// Payment killed (SIGKILL) while the platform calls back and retries: every payment is booked
    /// exactly once, and the ledger balances to the đồng.
    func testPaymentKilledDuringCallbacksBooksEachPaymentOnce() throws {
        let system = try SystemHarness()
        try system.startAll(autoDecide: false)
        let members = TestEnvironment.members(24, organisation: system.organisation)
        try TestEnvironment.registerMembersReplicated(members)
        try system.startGatewaySandbox(retrySeconds: 0.2)
        let codes = try members.map { try declare(SampleDossier.partyDues(member: $0, firstMonth: "12/2026")) }
        let references = try codes.map { try checkout($0) }
        let replies = Mutex<[String: [String]]>([:])
        let done = DispatchGroup()
        done.enter()
        let sandbox = self.sandbox
        DispatchQueue.global().async {
            // Four connections, so that payments are still being called back when payment dies.
            DispatchQueue.concurrentPerform(iterations: 4) { worker in
                for index in stride(from: worker, to: references.count, by: 4) {
                    let answers = (try? Self.complete(references[index], ["deliveries": 2], sandbox: sandbox)) ?? []
                    replies.withLock { $0[references[index]] = answers }
                }
            }
            done.leave()
        }
        // Killed once the first payment is booked, while the others are in flight or retried.
        try TestEnvironment.eventually("a first payment booked") {
            try TestEnvironment.count("SELECT count(*) AS n FROM payment.payment_orders WHERE dossier_code = ANY($1::text[]) AND status = 'paid'",
                                      [PostgresArray(codes)]) > 0
        }
        system.processes["payment"]?.kill9()
        try system.start("payment")
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success, "the platform's retries end")
        for reference in references {
            XCTAssertTrue(["00", "02"].contains(replies.withLock { $0[reference]?.last } ?? "-"), "\(reference): \(replies.withLock { $0[reference] } ?? [])")
        }
        for code in codes {
            XCTAssertEqual(try order(code, "status"), "paid", code)
            XCTAssertEqual(try receipts(code), 1, code)
        }
        XCTAssertEqual(try ledger("org:\(system.organisation):bank"), 24 * 95_000)
        let retried = replies.withLock { $0.values.filter { $0.contains { !["00", "02"].contains($0) } }.count }
        print("payments whose callback met the killed payment and was retried: \(retried) of \(references.count)")
        XCTAssertEqual(try unbalancedJournals(), 0)
        try system.stopAll()
    }
}

extension RoutingScenario {
    /// An account's balance in payment's ledger (debits positive).
    func ledger(_ account: String) throws -> Int {
        Int(try TestEnvironment.value("SELECT coalesce(sum(amount_vnd), 0) FROM payment.ledger_lines WHERE account = $1", [account]) ?? "0")!
    }

    /// Journals of payment's ledger whose lines do not sum to zero (double entry broken).
    func unbalancedJournals() throws -> Int {
        try TestEnvironment.count("""
            SELECT count(*) AS n FROM (SELECT journal_id FROM payment.ledger_lines GROUP BY journal_id HAVING sum(amount_vnd) <> 0) unbalanced
            """)
    }

    /// The member declares dues and pays them in cash to their chi bộ's treasurer; returns once paid.
    func payDuesInCash(_ member: MemberRecord, firstMonth: String, months: Int = 1) async throws {
        let channel = try IntakeTests.ReplyChannel()
        _ = try channel.submit(SampleDossier.partyDues(member: member, firstMonth: firstMonth, months: months))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        let query = "SELECT payment_id || ' ' || amount_to_pay_vnd FROM payment.payment_orders WHERE dossier_code = $1"
        try TestEnvironment.eventually("dues order of \(code)") { try TestEnvironment.value(query, [code]) != nil }
        let order = try XCTUnwrap(TestEnvironment.value(query, [code])).split(separator: " ")
        let treasurer = try await token(member.organisationCode, person: "THU-QUY")
        XCTAssertEqual(HTTPProbe.post("http://127.0.0.1:18084/v1/payments/\(order[0])/cash",
                                      headers: ["Authorization": "Bearer \(treasurer)", "Content-Type": "application/json"],
                                      body: #"{"amountVND": \#(order[1])}"#)?.status, 200)
    }
}
