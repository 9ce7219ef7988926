import Foundation
import PaymentGateways
import ServiceKit

/// What payment needs of a payment platform: a redirect for the payer and a signed callback it
/// can verify. VNPay 2.1.0 implements it; the national public-service portal's payment platform,
/// which works the same way, would be another implementation behind the same edge.
protocol PaymentGateway: Sendable {
    /// Its name in the ledger's source keys and `payment.completed.v1` (`vnpay`).
    var provider: String { get }
    /// Where to send the payer's browser for one attempt.
    func checkoutURL(amountVND: Int, attempt: String, orderInfo: String, returnURL: String, clientAddress: String, now: Date) -> String
    /// A callback's parameters checked: the outcome, or why it cannot be trusted.
    func callback(_ parameters: [String: String]) -> GatewayCallback
    /// The answer the platform expects for a callback's result (status and body).
    func answer(_ result: CallbackResult) -> (status: Int, body: String)
    /// Asks the platform what became of an attempt (for one whose callback never came).
    func query(reference: String, transactionDate: String, now: Date) -> GatewayQuery
}

/// The platform's answer about one attempt.
enum GatewayQuery: Sendable {
    /// Paid or failed, as its callback would have said.
    case settled(VNPay.Outcome)
    /// Still being paid.
    case pending
    /// The platform has no such transaction: the payer never completed it.
    case neverPaid
    /// No trustworthy answer (unreachable, bad signature): ask again later.
    case unanswered
}

/// A callback as the platform sent it.
enum GatewayCallback: Sendable {
    case forged
    case malformed
    case outcome(VNPay.Outcome)
}

/// What payment made of a callback.
enum CallbackResult: String, Sendable {
    case confirmed, unknownOrder, alreadyConfirmed, wrongAmount, forged, failed

    /// The VNPay answer for it (the protocol's documented refusal codes).
    var vnpay: VNPay.IPNAnswer {
        switch self {
        case .confirmed: .confirmed
        case .unknownOrder: .orderNotFound
        case .alreadyConfirmed: .alreadyConfirmed
        case .wrongAmount: .invalidAmount
        case .forged: .invalidSignature
        case .failed: .unknownError
        }
    }
}

/// The merchant side of VNPay 2.1.0, configured by `TTHC_VNPAY_TMN_CODE`, `TTHC_VNPAY_HASH_SECRET`,
/// `TTHC_VNPAY_PAYMENT_URL` and `TTHC_VNPAY_QUERY_URL` (the payment URL's host with VNPay's
/// `/merchant_webapi/api/transaction` when unset).
struct VNPayGateway: PaymentGateway {
    let merchantCode: String
    let hashSecret: String
    let paymentURL: String
    let queryURL: String
    let http = BlockingHTTP()
    var provider: String { "vnpay" }

    struct MissingConfiguration: Error, CustomStringConvertible {
        let name: String
        var description: String { "\(name) is required: the payment platform's merchant settings (see docs/payment.md)" }
    }

    init(environment: [String: String]) throws {
        func required(_ name: String) throws -> String {
            guard let value = environment[name], !value.isEmpty else { throw MissingConfiguration(name: name) }
            return value
        }
        merchantCode = try required("TTHC_VNPAY_TMN_CODE")
        hashSecret = try required("TTHC_VNPAY_HASH_SECRET")
        paymentURL = try required("TTHC_VNPAY_PAYMENT_URL")
        let configured = environment["TTHC_VNPAY_QUERY_URL"] ?? ""
        queryURL = !configured.isEmpty ? configured
            : paymentURL.replacingOccurrences(of: "/paymentv2/vpcpay.html", with: "/merchant_webapi/api/transaction")
    }

    func checkoutURL(amountVND: Int, attempt: String, orderInfo: String, returnURL: String, clientAddress: String, now: Date) -> String {
        // The platform lets the payer 15 minutes; a later attempt gets a new reference.
        VNPay.PaymentRequest(merchantCode: merchantCode, amountVND: amountVND, transactionReference: attempt, orderInfo: orderInfo,
                             returnURL: returnURL, clientAddress: clientAddress, createdAt: now, expiresAt: now.addingTimeInterval(15 * 60))
            .url(gateway: paymentURL, secret: hashSecret)
    }

    func callback(_ parameters: [String: String]) -> GatewayCallback {
        guard VNPay.verify(parameters, secret: hashSecret) else { return .forged }
        guard let outcome = VNPay.Outcome(parameters), outcome.merchantCode == merchantCode else { return .malformed }
        return .outcome(outcome)
    }

    func answer(_ result: CallbackResult) -> (status: Int, body: String) { (200, result.vnpay.json) }

    func query(reference: String, transactionDate: String, now: Date) -> GatewayQuery {
        let request = VNPay.QueryRequest(requestId: UUID().uuidString.replacingOccurrences(of: "-", with: ""), merchantCode: merchantCode,
                                         transactionReference: reference, orderInfo: "Truy van \(reference)", transactionDate: transactionDate,
                                         createdAt: now, clientAddress: "127.0.0.1")
        // Bounded in all: the query runs inside a timer's transaction.
        guard let answer = http.postJSON(queryURL, request.signed(secret: hashSecret), timeout: 5),
              VNPay.verifyQueryResponse(answer, secret: hashSecret),
              answer["vnp_TxnRef"] == reference, answer["vnp_TmnCode"] == merchantCode else { return .unanswered }
        switch answer["vnp_ResponseCode"] {
        case "00":
            guard let outcome = VNPay.Outcome(answer.merging(["vnp_ResponseCode": answer["vnp_TransactionStatus"] ?? "99"]) { $1 }) else {
                return .unanswered
            }
            return outcome.transactionStatus == "01" ? .pending : .settled(outcome)
        case "91": return .neverPaid
        default: return .unanswered
        }
    }
}
