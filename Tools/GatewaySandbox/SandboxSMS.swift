import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SMSGateways
import ServiceKit

/// The sandbox's brandname SMS gateway: every message it took, its delivery report, and the
/// failures the tests ask for (throttling, the gateway down, reports late or failed).
actor SandboxSMS {
    struct Message: Codable, Sendable {
        let requestId: String
        let messageId: String
        let phone: String
        let brandname: String
        let message: String
        let callbackUrl: String?
        let receivedAt: Date
        /// How many requests carried this `requestId` (a partner repeating after a crash).
        var requests: Int
        var reportStatus: String?
        var reportReplies: [Int?] = []
    }

    /// Failures to play, set by `POST /sandbox/sms/faults`.
    struct Faults: Codable, Sendable {
        /// The next n requests are throttled (429, `Retry-After`).
        var throttleNext: Int?
        /// The next n requests get a 503.
        var unavailableNext: Int?
        /// Delivery reports wait this long (late reports).
        var reportDelaySeconds: Double?
        /// Numbers whose messages are reported FAILED (`UNDELIVERABLE`).
        var failPhones: [String]?
    }

    let partnerId: String
    let secret: String
    let clock: ServiceClock
    private var messages: [String: Message] = [:]
    private var order: [String] = []
    private var faults = Faults()
    private var nextId = 1

    init(partnerId: String, secret: String, clock: ServiceClock) {
        self.partnerId = partnerId
        self.secret = secret
        self.clock = clock
    }

    func set(_ faults: Faults) { self.faults = faults }

    func all() -> [Message] { order.compactMap { messages[$0] } }

    enum Answer {
        case answered(status: Int, BrandnameSMS.SendAnswer)
        case throttled
    }

    /// One send request, as a gateway checks it.
    func send(_ request: BrandnameSMS.SendRequest) -> (Answer, Message?) {
        if let n = faults.throttleNext, n > 0 {
            faults.throttleNext = n - 1
            return (.throttled, nil)
        }
        if let n = faults.unavailableNext, n > 0 {
            faults.unavailableNext = n - 1
            return (.answered(status: 503, .init(code: BrandnameSMS.Codes.unavailable, message: "Hệ thống bận", messageId: nil)), nil)
        }
        guard request.partnerId == partnerId, BrandnameSMS.verify(request.signedText, signature: request.signature, secret: secret) else {
            return (.answered(status: 401, .init(code: BrandnameSMS.Codes.badSignature, message: "Sai chữ ký", messageId: nil)), nil)
        }
        // A request signed more than 5 minutes from now (real time, as the partner signs) is a replay.
        guard abs(Date().timeIntervalSince1970 - Double(request.timestamp)) <= 300 else {
            return (.answered(status: 401, .init(code: BrandnameSMS.Codes.badSignature, message: "Yêu cầu đã hết hạn", messageId: nil)), nil)
        }
        if var known = messages[request.requestId] {
            known.requests += 1
            messages[request.requestId] = known
            return (.answered(status: 200, .init(code: BrandnameSMS.Codes.accepted, message: "Đã nhận (trùng)", messageId: known.messageId)), nil)
        }
        guard BrandnameSMS.internationalPhone(request.phone) == request.phone else {
            return (.answered(status: 400, .init(code: BrandnameSMS.Codes.invalidPhone, message: "Số điện thoại không hợp lệ", messageId: nil)), nil)
        }
        guard SMSText.measure(request.message).fits else {
            return (.answered(status: 400, .init(code: BrandnameSMS.Codes.invalidMessage, message: "Nội dung quá dài", messageId: nil)), nil)
        }
        let message = Message(requestId: request.requestId, messageId: "SMS\(nextId)", phone: request.phone, brandname: request.brandname,
                              message: request.message, callbackUrl: request.callbackUrl, receivedAt: clock.now, requests: 1)
        nextId += 1
        messages[request.requestId] = message
        order.append(request.requestId)
        return (.answered(status: 200, .init(code: BrandnameSMS.Codes.accepted, message: "Đã nhận", messageId: message.messageId)), message)
    }

    /// The delivery report, after the configured delay, retried while the partner does not answer 200.
    func report(_ message: Message) async {
        guard let callback = message.callbackUrl, let url = URL(string: callback) else { return }
        if let delay = faults.reportDelaySeconds, delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
        let failed = faults.failPhones?.compactMap(BrandnameSMS.internationalPhone).contains(message.phone) == true
        let report = BrandnameSMS.DeliveryReport(
            messageId: message.messageId, requestId: message.requestId, phone: message.phone, status: failed ? .failed : .delivered,
            errorCode: failed ? "UNDELIVERABLE" : nil, reportedAt: Int(clock.now.timeIntervalSince1970), secret: secret)
        messages[message.requestId]?.reportStatus = report.status.rawValue
        for _ in 1...10 {
            var request = URLRequest(url: url, timeoutInterval: 10)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try? JSONEncoder().encode(report)
            let status = ((try? await URLSession.shared.data(for: request))?.1 as? HTTPURLResponse)?.statusCode
            messages[message.requestId]?.reportReplies.append(status)
            if status == 200 { return }
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
