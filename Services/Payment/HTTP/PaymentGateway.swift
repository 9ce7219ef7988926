import Foundation
import PaymentGateways

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

/// The merchant side of VNPay 2.1.0, configured by `TTHC_VNPAY_TMN_CODE`, `TTHC_VNPAY_HASH_SECRET`
/// and `TTHC_VNPAY_PAYMENT_URL`.
struct VNPayGateway: PaymentGateway {
    let merchantCode: String
    let hashSecret: String
    let paymentURL: String
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
}
