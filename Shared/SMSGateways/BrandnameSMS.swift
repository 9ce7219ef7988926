import Crypto
import Foundation

/// A brandname SMS gateway's HTTP protocol, as Vietnamese operators and aggregators offer it
/// (tin nhắn thương hiệu): the partner posts a JSON request signed with HMAC-SHA256 under its
/// secret; the gateway answers with its message id, and later posts a signed delivery report to
/// the partner's callback. Both sides use it: notification (the partner) and the gateway sandbox.
///
/// `POST {gateway}/v1/brandname/send`: `SendRequest` → 200 `SendAnswer` (code `00`); 400 with code
/// `11` (invalid number) or `12` (text too long or not allowed) is final; 401 (`13`, signature),
/// 429 (`20`, throttled, with `Retry-After`) and 5xx are not.
/// The same `requestId` sent again returns the first answer and sends nothing: a partner that
/// crashed after sending repeats its request without a second SMS.
public enum BrandnameSMS {
    public struct SendRequest: Codable, Sendable, Equatable {
        public var partnerId: String
        public var brandname: String
        /// International form without `+`: `84912345678`.
        public var phone: String
        public var message: String
        /// The partner's id for this SMS, unique; the idempotency key.
        public var requestId: String
        public var callbackUrl: String?
        /// Unix seconds; requests older than 5 minutes are refused.
        public var timestamp: Int
        public var signature: String

        public init(partnerId: String, brandname: String, phone: String, message: String, requestId: String,
                    callbackUrl: String?, timestamp: Int, secret: String) {
            self.partnerId = partnerId
            self.brandname = brandname
            self.phone = phone
            self.message = message
            self.requestId = requestId
            self.callbackUrl = callbackUrl
            self.timestamp = timestamp
            self.signature = ""
            self.signature = BrandnameSMS.sign(signedText, secret: secret)
        }

        public var signedText: String {
            [partnerId, brandname, phone, message, requestId, callbackUrl ?? "", String(timestamp)].joined(separator: "|")
        }
    }

    public struct SendAnswer: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
        public var messageId: String?

        public init(code: String, message: String, messageId: String?) {
            self.code = code
            self.message = message
            self.messageId = messageId
        }
    }

    /// The gateway's delivery report (DLR) to the partner's callback.
    public struct DeliveryReport: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable { case delivered = "DELIVERED", failed = "FAILED" }
        public var messageId: String
        public var requestId: String
        public var phone: String
        public var status: Status
        /// The operator's reason when failed (e.g. `EXPIRED`, `UNDELIVERABLE`).
        public var errorCode: String?
        /// Unix seconds.
        public var reportedAt: Int
        public var signature: String

        public init(messageId: String, requestId: String, phone: String, status: Status, errorCode: String?, reportedAt: Int,
                    secret: String) {
            self.messageId = messageId
            self.requestId = requestId
            self.phone = phone
            self.status = status
            self.errorCode = errorCode
            self.reportedAt = reportedAt
            self.signature = ""
            self.signature = BrandnameSMS.sign(signedText, secret: secret)
        }

        public var signedText: String {
            [messageId, requestId, phone, status.rawValue, errorCode ?? "", String(reportedAt)].joined(separator: "|")
        }
    }

    /// HMAC-SHA256, lower-case hex.
    public static func sign(_ text: String, secret: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(secret.utf8)))
            .map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `signature` signs `text` (constant time, either case of hex).
    public static func verify(_ text: String, signature: String, secret: String) -> Bool {
        let expected = Array(sign(text, secret: secret).utf8)
        let given = Array(signature.lowercased().utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A Vietnamese mobile number as the gateway wants it (`0912…`, `+84912…`, `84912…` →
    /// `84912…`), or nil when it is not one.
    public static func internationalPhone(_ text: String) -> String? {
        let digits = text.filter { !" .-()".contains($0) }
        var national: Substring
        if digits.hasPrefix("+84") { national = digits.dropFirst(3) } else if digits.hasPrefix("84"), digits.count == 11 {
            national = digits.dropFirst(2)
        } else if digits.hasPrefix("0") { national = digits.dropFirst() } else { return nil }
        guard national.count == 9, national.allSatisfy(\.isASCII), national.allSatisfy(\.isNumber),
              let first = national.first, "35789".contains(first) else { return nil }
        return "84" + national
    }

    public enum Codes {
        public static let accepted = "00"
        public static let invalidPhone = "11"
        public static let invalidMessage = "12"
        public static let badSignature = "13"
        public static let throttled = "20"
        public static let unavailable = "99"
    }
}
