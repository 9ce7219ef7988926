import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import PaymentGateways
import SMSGateways
import ServiceKit

/// tthc-gateway-sandbox: plays the payment platform (VNPay 2.1.0) for tests and local runs. Never
/// used in production: it holds no money and "pays" when told to.
///
/// The platform's own endpoints:
/// - `GET /paymentv2/vpcpay.html?…`: the signed payment URL; a wrong signature, merchant, version,
///   amount or an expired request is refused like the platform does (an error page). Shows a page
///   where the payer pays or cancels.
/// - `POST /paymentv2/pay/{txnRef}?outcome=success|cancel|insufficient-funds`: the payer's choice;
///   the IPN goes to the merchant, the browser back to `vnp_ReturnUrl` with the signed outcome.
/// - `POST /merchant_webapi/api/transaction`: `querydr`, the signed transaction query.
/// - `GET /sandbox/statements/{yyyyMMdd}.csv`: the day's statement of paid transactions.
///
/// Test control (what the platform would do by itself, on demand):
/// - `POST /sandbox/transactions/{txnRef}/complete` `{"outcome", "deliveries", "forgeSignature",
///   "amountVND", "delaySeconds"}`: decides the transaction and delivers its IPN `deliveries` times
///   (duplicates; 0: the callback is lost), each retried while the merchant answers neither `00` nor `02` (up to
///   `TTHC_SANDBOX_IPN_ATTEMPTS`, every `TTHC_SANDBOX_IPN_RETRY_SECONDS`); answers every reply.
/// - `GET /sandbox/transactions/{txnRef}`: the transaction and every IPN reply it got.
///
/// It also plays a brandname SMS gateway (`SMSGateways.BrandnameSMS`) when `TTHC_SMS_PARTNER_ID`
/// and `TTHC_SMS_SECRET` are set:
/// - `POST /v1/brandname/send`: the signed send request (idempotent by `requestId`); its delivery
///   report goes to the request's `callbackUrl`, retried until answered 200.
/// - `POST /sandbox/sms/faults` `{"throttleNext", "unavailableNext", "reportDelaySeconds", "failPhones"}`;
///   `GET /sandbox/sms/messages`: every message taken, how often it was requested, its report.
///
/// Configuration: `TTHC_VNPAY_TMN_CODE`, `TTHC_VNPAY_HASH_SECRET` (the merchant's, as the platform
/// knows them), `TTHC_SANDBOX_IPN_URL` (the merchant's IPN URL), `TTHC_SANDBOX_PORT` or `TTHC_HTTP_PORT` (8089).
let environment = ServiceEnvironment.load()
guard let merchant = environment["TTHC_VNPAY_TMN_CODE"], let secret = environment["TTHC_VNPAY_HASH_SECRET"],
      let ipnURL = environment["TTHC_SANDBOX_IPN_URL"] else {
    FileHandle.standardError.write(Data("tthc-gateway-sandbox: TTHC_VNPAY_TMN_CODE, TTHC_VNPAY_HASH_SECRET and TTHC_SANDBOX_IPN_URL are required\n".utf8))
    exit(2)
}
let platform = SandboxPlatform(
    merchant: merchant, secret: secret, ipnURL: ipnURL,
    attempts: Int(environment["TTHC_SANDBOX_IPN_ATTEMPTS"] ?? "") ?? 10,
    retrySeconds: Double(environment["TTHC_SANDBOX_IPN_RETRY_SECONDS"] ?? "") ?? 300,
    clock: (try? ServiceClock(environment: environment)) ?? ServiceClock())
let port = Int(environment["TTHC_SANDBOX_PORT"] ?? environment["TTHC_HTTP_PORT"] ?? "") ?? 8089

let router = Router()
router.get("/health/ready") { _, _ in "ok" }
if let partner = environment["TTHC_SMS_PARTNER_ID"], let smsSecret = environment["TTHC_SMS_SECRET"] {
    let sms = SandboxSMS(partnerId: partner, secret: smsSecret, clock: platform.clock)
    router.post("/v1/brandname/send") { request, context in
        guard let send = try? await request.decode(as: BrandnameSMS.SendRequest.self, context: context) else {
            return SandboxPages.json(.badRequest, BrandnameSMS.SendAnswer(code: BrandnameSMS.Codes.invalidMessage, message: "Sai định dạng", messageId: nil))
        }
        let (answer, taken) = await sms.send(send)
        if let taken { Task { await sms.report(taken) } }
        switch answer {
        case .throttled:
            var response = SandboxPages.json(.tooManyRequests,
                                             BrandnameSMS.SendAnswer(code: BrandnameSMS.Codes.throttled, message: "Vượt hạn mức gửi", messageId: nil))
            response.headers[.retryAfter] = "1"
            return response
        case let .answered(status, body):
            return SandboxPages.json(.init(code: status), body)
        }
    }
    router.post("/sandbox/sms/faults") { request, context in
        await sms.set(try await request.decode(as: SandboxSMS.Faults.self, context: context))
        return SandboxPages.json(.ok, ["ok": true])
    }
    router.get("/sandbox/sms/messages") { _, _ in SandboxPages.json(.ok, await sms.all()) }
}
router.get("/paymentv2/vpcpay.html") { request, _ in
    let parameters = VNPay.parameters(fromQuery: request.uri.query ?? "")
    switch await platform.open(parameters) {
    case let .success(transaction):
        return SandboxPages.response(.ok, SandboxPages.paying(transaction))
    case let .failure(refusal):
        return SandboxPages.response(.badRequest, SandboxPages.refused(refusal.description))
    }
}
router.post("/paymentv2/pay/:reference") { request, context in
    let reference = context.parameters.get("reference") ?? ""
    let outcome = SandboxPlatform.Decision(rawValue: VNPay.parameters(fromQuery: request.uri.query ?? "")["outcome"] ?? "") ?? .success
    guard let back = await platform.decide(reference, outcome) else {
        return SandboxPages.response(.notFound, SandboxPages.refused("Không có giao dịch \(reference)"))
    }
    // The IPN goes by itself; the payer returns to the merchant at once.
    Task { _ = await platform.deliver(reference, deliveries: 1, forged: false, delaySeconds: 0) }
    return Response(status: .found, headers: [.location: back])
}
router.post("/sandbox/transactions/:reference/complete") { request, context in
    struct Command: Decodable {
        var outcome: SandboxPlatform.Decision?
        var deliveries: Int?
        var forgeSignature: Bool?
        var amountVND: Int?
        var delaySeconds: Double?
    }
    let reference = context.parameters.get("reference") ?? ""
    let command = try await request.decode(as: Command.self, context: context)
    guard await platform.decide(reference, command.outcome ?? .success) != nil else {
        return SandboxPages.json(.notFound, ["error": "unknown transaction \(reference)"])
    }
    // 0 deliveries: the platform decided but its callback never reaches the merchant.
    let replies = await platform.deliver(reference, deliveries: max(0, command.deliveries ?? 1), forged: command.forgeSignature ?? false,
                                         amountVND: command.amountVND, delaySeconds: command.delaySeconds ?? 0)
    return SandboxPages.json(.ok, ["replies": replies])
}
router.get("/sandbox/transactions/:reference") { _, context in
    guard let transaction = await platform.transaction(context.parameters.get("reference") ?? "") else {
        return SandboxPages.json(.notFound, ["error": "unknown transaction"])
    }
    return SandboxPages.json(.ok, transaction)
}
router.post("/merchant_webapi/api/transaction") { request, context in
    let body = try await request.decode(as: [String: String].self, context: context)
    return SandboxPages.json(.ok, await platform.query(body))
}
router.get("/sandbox/statements/:day") { _, context in
    let day = (context.parameters.get("day") ?? "").replacingOccurrences(of: ".csv", with: "")
    return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: await platform.statement(day: day))))
}

let host = environment["TTHC_HTTP_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "0.0.0.0"
let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)))
try await app.runService()
