import Crypto
import Foundation

/// The VNPay payment gateway protocol, version 2.1.0 (the public reference the issue names; the
/// national public-service portal's payment platform works the same way): a redirect URL signed
/// with HMAC-SHA512 (`vnp_SecureHash`), a signed IPN callback the merchant answers with
/// `{"RspCode", "Message"}`, and a signed transaction query (`querydr`). Both sides use it: payment
/// (the merchant) and the gateway sandbox that plays VNPay in tests.
public enum VNPay {
    public static let version = "2.1.0"

    // MARK: Signing

    /// The string that is signed: the `vnp_` parameters other than the hash itself, non-empty, sorted
    /// by name, each `name=value` form-encoded (spaces as `+`), joined by `&`.
    public static func hashData(_ parameters: [String: String]) -> String {
        parameters.filter { $0.key.hasPrefix("vnp_") && $0.key != "vnp_SecureHash" && $0.key != "vnp_SecureHashType" && !$0.value.isEmpty }
            .sorted { $0.key < $1.key }
            .map { "\(formEncode($0.key))=\(formEncode($0.value))" }
            .joined(separator: "&")
    }

    /// HMAC-SHA512 of `data` under the merchant's hash secret, lower-case hex.
    public static func hmac(_ data: String, secret: String) -> String {
        let code = HMAC<SHA512>.authenticationCode(for: Array(data.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// The parameters with their `vnp_SecureHash`.
    public static func signed(_ parameters: [String: String], secret: String) -> [String: String] {
        var signed = parameters
        signed["vnp_SecureHash"] = hmac(hashData(parameters), secret: secret)
        return signed
    }

    /// Whether `vnp_SecureHash` is the HMAC of the other parameters (compared in constant time,
    /// either case of hex).
    public static func verify(_ parameters: [String: String], secret: String) -> Bool {
        guard let given = parameters["vnp_SecureHash"] else { return false }
        return sameHash(given, hmac(hashData(parameters), secret: secret))
    }

    /// Hex hashes compared in constant time, either case.
    static func sameHash(_ given: String, _ expected: String) -> Bool {
        let given = given.lowercased()
        guard given.utf8.count == expected.utf8.count else { return false }
        return zip(given.utf8, expected.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The query string of `parameters` in the signed order (the hash last, as VNPay writes it).
    public static func query(_ parameters: [String: String]) -> String {
        let body = hashData(parameters)
        guard let hash = parameters["vnp_SecureHash"] else { return body }
        return body + "&vnp_SecureHash=" + hash
    }

    /// Parameters read back from a query string (`+` as space, percent-decoded).
    public static func parameters(fromQuery query: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            guard let name = parts.first else { continue }
            parameters[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return parameters
    }

    /// `application/x-www-form-urlencoded` as VNPay's reference code writes it (PHP `urlencode`,
    /// Java `URLEncoder`): letters, digits and `-_.*` kept, space as `+`, the rest percent-encoded.
    public static func formEncode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.* ")
        let encoded = text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
        return encoded.replacingOccurrences(of: " ", with: "+")
    }

    /// `yyyyMMddHHmmss` in Vietnam time (GMT+7), VNPay's time format.
    public static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: date)
    }

    public static func date(_ timestamp: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.date(from: timestamp)
    }

    // MARK: The payment URL (vnp_Command=pay)

    public struct PaymentRequest: Sendable, Equatable {
        public var merchantCode: String
        public var amountVND: Int
        /// The merchant's reference, unique per day (one per attempt of an order).
        public var transactionReference: String
        public var orderInfo: String
        public var returnURL: String
        public var clientAddress: String
        public var createdAt: Date
        public var expiresAt: Date

        public init(merchantCode: String, amountVND: Int, transactionReference: String, orderInfo: String, returnURL: String,
                    clientAddress: String, createdAt: Date, expiresAt: Date) {
            self.merchantCode = merchantCode
            self.amountVND = amountVND
            self.transactionReference = transactionReference
            self.orderInfo = orderInfo
            self.returnURL = returnURL
            self.clientAddress = clientAddress
            self.createdAt = createdAt
            self.expiresAt = expiresAt
        }

        public var parameters: [String: String] {
            ["vnp_Version": VNPay.version, "vnp_Command": "pay", "vnp_TmnCode": merchantCode,
             // In hundredths of a đồng: 10,000 VND is sent as 1000000.
             "vnp_Amount": String(amountVND * 100), "vnp_CurrCode": "VND", "vnp_TxnRef": transactionReference,
             "vnp_OrderInfo": orderInfo, "vnp_OrderType": "other", "vnp_Locale": "vn", "vnp_ReturnUrl": returnURL,
             "vnp_IpAddr": clientAddress, "vnp_CreateDate": VNPay.timestamp(createdAt), "vnp_ExpireDate": VNPay.timestamp(expiresAt)]
        }

        /// The gateway URL to redirect the payer's browser to.
        public func url(gateway: String, secret: String) -> String {
            gateway + "?" + VNPay.query(VNPay.signed(parameters, secret: secret))
        }
    }

    // MARK: The IPN callback

    /// What the gateway reports of one transaction (the IPN's and the return URL's parameters).
    public struct Outcome: Sendable, Equatable {
        public var merchantCode: String
        public var transactionReference: String
        public var amountVND: Int
        /// `00`: paid; anything else failed (`24` cancelled by the customer, `51` insufficient funds, …).
        public var responseCode: String
        public var transactionStatus: String
        /// VNPay's own number of the transaction.
        public var transactionNumber: String
        public var bankCode: String
        public var payDate: Date?

        public var succeeded: Bool { responseCode == "00" && transactionStatus == "00" }

        public init?(_ p: [String: String]) {
            guard let merchant = p["vnp_TmnCode"], let reference = p["vnp_TxnRef"], let amount = p["vnp_Amount"].flatMap({ Int($0) }),
                  amount >= 0, amount % 100 == 0, let response = p["vnp_ResponseCode"] else { return nil }
            merchantCode = merchant
            transactionReference = reference
            amountVND = amount / 100
            responseCode = response
            transactionStatus = p["vnp_TransactionStatus"] ?? response
            transactionNumber = p["vnp_TransactionNo"] ?? ""
            bankCode = p["vnp_BankCode"] ?? ""
            payDate = p["vnp_PayDate"].flatMap(VNPay.date)
        }

        public init(merchantCode: String, transactionReference: String, amountVND: Int, responseCode: String, transactionStatus: String,
                    transactionNumber: String, bankCode: String, payDate: Date?) {
            self.merchantCode = merchantCode
            self.transactionReference = transactionReference
            self.amountVND = amountVND
            self.responseCode = responseCode
            self.transactionStatus = transactionStatus
            self.transactionNumber = transactionNumber
            self.bankCode = bankCode
            self.payDate = payDate
        }

        public var parameters: [String: String] {
            var p = ["vnp_TmnCode": merchantCode, "vnp_TxnRef": transactionReference, "vnp_Amount": String(amountVND * 100),
                     "vnp_ResponseCode": responseCode, "vnp_TransactionStatus": transactionStatus,
                     "vnp_TransactionNo": transactionNumber, "vnp_BankCode": bankCode, "vnp_OrderInfo": "Thanh toan \(transactionReference)"]
            if let payDate { p["vnp_PayDate"] = VNPay.timestamp(payDate) }
            return p
        }
    }

    /// The merchant's answer to an IPN call (VNPay retries until it gets `00` or `02`).
    public enum IPNAnswer: String, Sendable, CaseIterable {
        case confirmed = "00"
        case orderNotFound = "01"
        case alreadyConfirmed = "02"
        case invalidAmount = "04"
        case invalidSignature = "97"
        case unknownError = "99"

        public var message: String {
            switch self {
            case .confirmed: "Confirm Success"
            case .orderNotFound: "Order not found"
            case .alreadyConfirmed: "Order already confirmed"
            case .invalidAmount: "Invalid amount"
            case .invalidSignature: "Invalid signature"
            case .unknownError: "Unknow error"
            }
        }

        /// The body VNPay expects.
        public var json: String { #"{"RspCode":"\#(rawValue)","Message":"\#(message)"}"# }

        /// Whether VNPay stops retrying on this answer.
        public var settles: Bool { self == .confirmed || self == .alreadyConfirmed }
    }

    /// What a response code means, in Vietnamese, for the payer and the officers.
    public static func describe(_ responseCode: String) -> String {
        switch responseCode {
        case "00": "Giao dịch thành công"
        case "07": "Giao dịch bị nghi ngờ gian lận"
        case "09": "Thẻ/tài khoản chưa đăng ký dịch vụ thanh toán trực tuyến"
        case "11": "Hết hạn chờ thanh toán"
        case "12": "Thẻ/tài khoản bị khóa"
        case "24": "Khách hàng hủy giao dịch"
        case "51": "Tài khoản không đủ số dư"
        case "65": "Tài khoản vượt quá hạn mức giao dịch trong ngày"
        case "75": "Ngân hàng thanh toán đang bảo trì"
        default: "Giao dịch không thành công (mã \(responseCode))"
        }
    }

    // MARK: The transaction query (querydr)

    /// The fields of a `querydr` request in the order their hash joins them with `|`.
    public static func queryHashData(requestId: String, merchantCode: String, transactionReference: String, transactionDate: String,
                                     createDate: String, clientAddress: String, orderInfo: String) -> String {
        [requestId, version, "querydr", merchantCode, transactionReference, transactionDate, createDate, clientAddress, orderInfo]
            .joined(separator: "|")
    }

    /// A `querydr` request: what became of transaction `transactionReference`, made at `transactionDate`.
    public struct QueryRequest: Sendable, Equatable {
        public var requestId: String
        public var merchantCode: String
        public var transactionReference: String
        public var orderInfo: String
        /// The transaction's `vnp_CreateDate` as it was signed (`yyyyMMddHHmmss`).
        public var transactionDate: String
        public var createdAt: Date
        public var clientAddress: String

        public init(requestId: String, merchantCode: String, transactionReference: String, orderInfo: String, transactionDate: String,
                    createdAt: Date, clientAddress: String) {
            self.requestId = requestId
            self.merchantCode = merchantCode
            self.transactionReference = transactionReference
            self.orderInfo = orderInfo
            self.transactionDate = transactionDate
            self.createdAt = createdAt
            self.clientAddress = clientAddress
        }

        /// The JSON body, with its `vnp_SecureHash` over the pipe-joined fields.
        public func signed(secret: String) -> [String: String] {
            let (transaction, created) = (transactionDate, VNPay.timestamp(createdAt))
            return ["vnp_RequestId": requestId, "vnp_Version": VNPay.version, "vnp_Command": "querydr", "vnp_TmnCode": merchantCode,
                    "vnp_TxnRef": transactionReference, "vnp_OrderInfo": orderInfo, "vnp_TransactionDate": transaction,
                    "vnp_CreateDate": created, "vnp_IpAddr": clientAddress,
                    "vnp_SecureHash": VNPay.hmac(VNPay.queryHashData(
                        requestId: requestId, merchantCode: merchantCode, transactionReference: transactionReference,
                        transactionDate: transaction, createDate: created, clientAddress: clientAddress, orderInfo: orderInfo), secret: secret)]
        }
    }

    /// Whether a `querydr` response carries the platform's signature.
    public static func verifyQueryResponse(_ response: [String: String], secret: String) -> Bool {
        guard let given = response["vnp_SecureHash"] else { return false }
        return sameHash(given, hmac(queryResponseHashData(response), secret: secret))
    }

    /// The fields of a `querydr` response in the order their hash joins them with `|`.
    public static func queryResponseHashData(_ r: [String: String]) -> String {
        ["vnp_ResponseId", "vnp_Command", "vnp_ResponseCode", "vnp_Message", "vnp_TmnCode", "vnp_TxnRef", "vnp_Amount",
         "vnp_BankCode", "vnp_PayDate", "vnp_TransactionNo", "vnp_TransactionType", "vnp_TransactionStatus", "vnp_OrderInfo",
         "vnp_PromotionCode", "vnp_PromotionAmount"].map { r[$0] ?? "" }.joined(separator: "|")
    }
}
