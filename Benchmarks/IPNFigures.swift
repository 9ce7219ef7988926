import Contracts
import Foundation
import Messaging
import PaymentGateways
import Persistence
import ServiceKit
import Synchronization

/// `tthc-bench --ipn-callbacks N`: payment's IPN edge alone. Opens N dues orders (as routing would,
/// `payment.requested.v2`), opens one checkout attempt each (the payer's redirect), then plays the
/// payment platform: N signed "paid" callbacks from `concurrency` connections, then the same N again
/// (the platform's duplicates, answered 02). Prints callbacks per second and latency percentiles.
/// Needs tthc-payment running (Deploy/local/run.sh) and the servers' environment (TTHC_VNPAY_*).
enum IPNFigures {
    static func run(count: Int, concurrency: Int, paymentURL: String, amqp: AMQPURL, databaseURL: String) throws {
        let environment = ProcessInfo.processInfo.environment
        guard let merchant = environment["TTHC_VNPAY_TMN_CODE"], let secret = environment["TTHC_VNPAY_HASH_SECRET"] else {
            throw Failure("TTHC_VNPAY_TMN_CODE and TTHC_VNPAY_HASH_SECRET are needed (eval \"$(Deploy/local/servers.sh env)\")")
        }
        let organisation = "IPNB\(Int.random(in: 100...999)).CB01"
        let codes = (1...count).map { String(format: "\(organisation)-261201-%06d", $0) }
        // The orders, as routing asks for them at a dues dossier's pay step.
        let routing = try AMQPConnection(url: amqp)
        try routing.enableConfirms()
        for (i, code) in codes.enumerated() {
            let request = PaymentRequestedV2(
                paymentId: "\(code).1", dossierCode: code, memberId: "\(organisation)-DV\(i)", collectingOrganisationCode: organisation,
                procedureCode: ProcedureCode.partyDues, procedureVersion: 2, purpose: .partyDues,
                dues: DuesDeclaration(firstMonth: DuesMonth(year: 2026, month: 12), group: "social-insurance", basisVND: 9_500_000),
                requestedAt: Date())
            let envelope = Envelope(source: "urn:tthc:bench", type: .paymentRequested, subject: code, data: request)
            _ = try routing.publish(exchange: Exchange.events, routingKey: MessageType.paymentRequested.routingKey, body: try WireJSON.encode(envelope),
                                    properties: MessageProperties(messageId: envelope.id, userId: amqp.user))
        }
        try routing.waitForConfirms()
        routing.close()
        let db = try PostgresConnection(url: databaseURL)
        defer { db.close() }
        let deadline = Date().addingTimeInterval(300)
        var tokens: [String] = []
        while tokens.count < count {
            guard Date() < deadline else { throw Failure("payment opened \(tokens.count) of \(count) orders in 300 s") }
            Thread.sleep(forTimeInterval: 0.2)
            tokens = try db.execute("SELECT checkout_token FROM payment.payment_orders WHERE collecting_organisation_code = $1",
                                    [organisation]).rows.map { try $0.string("checkout_token") }
        }
        // One attempt per order: the redirect's signed parameters name its reference and amount.
        let attempts = Mutex<[VNPay.Outcome]>([])
        let client = BlockingHTTP()
        let opened = tokens
        DispatchQueue.concurrentPerform(iterations: concurrency) { worker in
            for index in stride(from: worker, to: opened.count, by: concurrency) {
                guard let location = client.get("\(paymentURL)/thanh-toan/\(opened[index])")?.location,
                      let query = location.split(separator: "?", maxSplits: 1).last else { continue }
                let p = VNPay.parameters(fromQuery: String(query))
                guard let reference = p["vnp_TxnRef"], let amount = p["vnp_Amount"].flatMap({ Int($0) }) else { continue }
                let outcome = VNPay.Outcome(merchantCode: merchant, transactionReference: reference, amountVND: amount / 100, responseCode: "00",
                                            transactionStatus: "00", transactionNumber: String(20_000_000 + index), bankCode: "NCB", payDate: Date())
                attempts.withLock { $0.append(outcome) }
            }
        }
        let outcomes = attempts.withLock { $0 }
        guard outcomes.count == count else { throw Failure("checkout opened \(outcomes.count) of \(count) attempts") }
        let urls = outcomes.map { "\(paymentURL)/v1/payment-gateways/vnpay/ipn?" + VNPay.query(VNPay.signed($0.parameters, secret: secret)) }
        for pass in ["paid", "duplicates"] {
            let (seconds, latencies, answers) = fire(urls, concurrency: concurrency, client: client)
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000 }
            print(String(format: "IPN %@: %d callbacks in %.2f s = %.0f/s over %d connections; p50 %.1f ms, p99 %.1f ms; answers %@",
                         pass, urls.count, seconds, Double(urls.count) / seconds, concurrency, percentile(0.5), percentile(0.99),
                         answers.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")))
        }
    }

    /// Every URL once from `concurrency` workers: wall time, each call's latency, answers by RspCode.
    static func fire(_ urls: [String], concurrency: Int, client: BlockingHTTP) -> (Double, [Double], [String: Int]) {
        let results = Mutex<([Double], [String: Int])>(([], [:]))
        let started = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: concurrency) { worker in
            for index in stride(from: worker, to: urls.count, by: concurrency) {
                let began = ContinuousClock.now
                let answer = client.get(urls[index])
                let elapsed = ContinuousClock.now - began
                let body = answer.map { String(decoding: $0.body, as: UTF8.self) } ?? ""
                let code = body.range(of: #""RspCode":"[0-9]+""#, options: .regularExpression)
                    .map { String(body[$0].dropFirst(11).dropLast()) } ?? "HTTP \(answer?.status ?? 0)"
                results.withLock {
                    $0.0.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    $0.1[code, default: 0] += 1
                }
            }
        }
        let wall = ContinuousClock.now - started
        let (latencies, answers) = results.withLock { $0 }
        return (Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18, latencies, answers)
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
