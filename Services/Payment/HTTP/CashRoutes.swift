import Contracts
import Foundation
import Hummingbird
import ServiceKit

/// The chi bộ's treasurer records dues paid in cash (Quy định 01-QĐ/TW: members may pay in cash
/// directly to their chi bộ), audited, into the same ledger as online payments.
///
/// `POST /v1/payments/{paymentId}/cash` `{"amountVND": 95000}`: an officer of the collecting chi
/// bộ; at least the amount to pay (anything more is the member's credit); once per order.
struct CashRoutes: Sendable {
    let desk: OrderDesk
    let tokens: OfficerTokens

    static let creditMarginVND = 10_000_000

    struct CashPayment: Decodable, Sendable {
        let amountVND: Int
    }

    struct Recorded: Encodable, Sendable {
        let paymentId: String
        let status: String
        let amountVND: Int
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: tokens, resources: resources)
        router.post("/v1/payments/:payment/cash") { request, context in
            let paymentId = context.parameters.get("payment") ?? ""
            return try await officers.serve(request, body: CashPayment.self, expected: #"{"amountVND": 95000}"#) {
                try record(paymentId, $1, $0)
            }
        }
    }

    func record(_ paymentId: String, _ cash: CashPayment, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        // Not locked here: `receive` takes the member's lock, then the order's (the order every path keeps).
        guard let order = try OrderDesk.order(where: "payment_id = $1", paymentId, db: context.db) else {
            try call.audit("record-cash", allowed: false, detail: "unknown \(paymentId)")
            return try HTTPAnswer.error(.notFound, "unknown-payment", "Không có khoản thanh toán \(paymentId).")
        }
        let allowed = call.officer.org == order.organisation && call.officer.role == "officer"
        try call.audit("record-cash", dossierCode: order.dossierCode, allowed: allowed, detail: "\(paymentId) \(cash.amountVND) VND")
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "wrong-organisation", "Chỉ chi bộ thu đảng phí của đảng viên mới ghi nhận được tiền mặt.")
        }
        // More than due is the member's credit, within a margin that catches a mistyped amount.
        let most = order.amountToPayVND + Self.creditMarginVND
        guard cash.amountVND > 0, cash.amountVND <= most else {
            return try HTTPAnswer.error(.unprocessableContent, "out-of-range",
                                        "Số tiền mặt phải lớn hơn 0 và không quá \(PaymentPages.vnd(most)).")
        }
        guard order.status == .awaitingPayment else {
            return try HTTPAnswer.error(.conflict, "already-paid", "Khoản thanh toán \(paymentId) đã được thanh toán hoặc đã hủy.")
        }
        switch try desk.receive(paymentId: paymentId, amountVND: cash.amountVND, channel: .cash, provider: "cash",
                                providerReference: "\(paymentId):\(call.officer.sub.value)", exact: false, cause: nil, context: context) {
        case .settled:
            return try HTTPAnswer.json(.ok, Recorded(paymentId: paymentId, status: "paid", amountVND: cash.amountVND))
        case .credited, .duplicate:
            return try HTTPAnswer.error(.conflict, "already-paid", "Khoản thanh toán \(paymentId) đã được thanh toán.")
        case .refused:
            return try HTTPAnswer.error(.unprocessableContent, "amount-too-small",
                                        "Số tiền mặt ít hơn số phải nộp (\(PaymentPages.vnd(order.amountToPayVND))).")
        case .unknownOrder:
            return try HTTPAnswer.error(.notFound, "unknown-payment", "Không có khoản thanh toán \(paymentId).")
        }
    }
}
