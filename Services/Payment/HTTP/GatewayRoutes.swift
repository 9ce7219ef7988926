import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import PaymentGateways
import PaymentRules
import Persistence
import ServiceKit

/// Payment's public edge towards payers and the payment platform.
///
/// - `GET /thanh-toan/{token}`: the checkout link of `payment.due.v1`. Opens a new attempt (its own
///   gateway reference) and redirects the payer's browser to the platform; a paid order shows that.
/// - `GET /thanh-toan/{token}/ket-qua`: where the platform returns the payer (vnp_ReturnUrl). It
///   shows what payment has booked; it never books anything itself (only the IPN does).
/// - `GET /v1/payment-gateways/vnpay/ipn`: the platform's signed server-to-server callback (IPN).
///   Signature, order and amount checked, booked once whatever the platform's retries, answered
///   with the protocol's codes (`00`, `01`, `02`, `04`, `97`, `99`); every call is kept in
///   `gateway_callbacks` with its answer.
struct GatewayRoutes: Sendable {
    let desk: OrderDesk
    let gateway: any PaymentGateway
    var attempts: GatewayAttempts { GatewayAttempts(desk: desk, gateway: gateway) }

    enum Checkout: Sendable {
        case redirect(String)
        case page(HTTPResponse.Status, String)
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.get("/thanh-toan/:token") { request, context in
            let token = context.parameters.get("token") ?? ""
            // Informational for the platform (vnp_IpAddr): the proxy's view of the payer.
            let client = request.headers[HTTPField.Name("X-Forwarded-For")!]?.split(separator: ",").first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? "127.0.0.1"
            let checkout = try await resources.transaction { try self.checkout(token, clientAddress: client, context: $0) }
            switch checkout {
            case let .redirect(url):
                return Response(status: .found, headers: [.location: url])
            case let .page(status, html):
                return Self.page(status, html)
            }
        }
        router.get("/thanh-toan/:token/ket-qua") { request, context in
            let token = context.parameters.get("token") ?? ""
            let signed = gateway.callback(VNPay.parameters(fromQuery: request.uri.query ?? ""))
            let order = try await resources.transaction { try OrderDesk.order(where: "checkout_token = $1", token, db: $0.db) }
            guard let order else { return Self.page(.notFound, PaymentPages.unknown) }
            if case .forged = signed { return Self.page(.badRequest, PaymentPages.forgedReturn) }
            return Self.page(.ok, PaymentPages.status(order, returned: signed))
        }
        router.get("/v1/payment-gateways/vnpay/ipn") { request, _ in
            let parameters = VNPay.parameters(fromQuery: request.uri.query ?? "")
            let result: CallbackResult
            do {
                result = try await resources.transaction { try self.callback(parameters, context: $0) }
            } catch {
                // Nothing booked: the platform retries later. The call is still kept, on its own.
                resources.logger.error("IPN not processed", metadata: ["error": "\(error)", "reference": "\(parameters["vnp_TxnRef"] ?? "")"])
                result = .failed
                _ = try? await resources.transaction { try self.keep(parameters, reference: parameters["vnp_TxnRef"], result: .failed, context: $0) }
            }
            resources.metrics.paymentCallback(provider: gateway.provider, result: result.rawValue)
            let answer = gateway.answer(result)
            return Response(status: .init(code: answer.status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: answer.body)))
        }
    }

    static func page(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// A new attempt for an order awaiting payment, and where to send the payer.
    func checkout(_ token: String, clientAddress: String, context: HandlerContext) throws -> Checkout {
        guard let order = try OrderDesk.order(where: "checkout_token = $1", token, lock: true, db: context.db) else {
            return .page(.notFound, PaymentPages.unknown)
        }
        guard order.status == .awaitingPayment, order.amountToPayVND > 0 else { return .page(.ok, PaymentPages.status(order, returned: nil)) }
        let reference = try attempts.open(order, context: context)
        let months = order.months.map(\.month.display).joined(separator: ", ")
        return .redirect(gateway.checkoutURL(
            amountVND: order.amountToPayVND, attempt: reference,
            orderInfo: "Nop dang phi \(months) ho so \(order.dossierCode)", returnURL: desk.checkoutURL(token) + "/ket-qua",
            clientAddress: clientAddress, now: context.now))
    }

    /// One IPN call, in one transaction with what it books and emits.
    func callback(_ parameters: [String: String], context: HandlerContext) throws -> CallbackResult {
        let db = context.db
        var reference = parameters["vnp_TxnRef"]
        let result: CallbackResult
        switch gateway.callback(parameters) {
        case .forged:
            result = .forged
        case .malformed:
            result = .unknownOrder
        case let .outcome(outcome):
            reference = outcome.transactionReference
            result = try attempts.settle(outcome, context: context)
        }
        try keep(parameters, reference: reference, result: result, context: context)
        return result
    }

    /// The call as it came and the answer given (`gateway_callbacks`).
    func keep(_ parameters: [String: String], reference: String?, result: CallbackResult, context: HandlerContext) throws {
        let amount: Int? = parameters["vnp_Amount"].flatMap { Int($0) }.map { $0 / 100 }
        let values: [(any PostgresEncodable)?] = [gateway.provider, reference, parameters["vnp_TransactionNo"], parameters["vnp_ResponseCode"],
                                                  amount, result.rawValue, context.now]
        try context.db.execute("""
            INSERT INTO gateway_callbacks (provider, transaction_reference, provider_transaction, response_code, amount_vnd, answer, received_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, values)
    }
}
