import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PaymentGateways
import ServiceKit

/// The sandbox's transactions and its IPN deliveries.
actor SandboxPlatform {
    enum Decision: String, Codable, Sendable {
        case success
        case cancel
        case insufficientFunds = "insufficient-funds"

        var responseCode: String {
            switch self {
            case .success: "00"
            case .cancel: "24"
            case .insufficientFunds: "51"
            }
        }
    }

    struct Reply: Codable, Sendable {
        let httpStatus: Int?
        let rspCode: String?
        let message: String?
        let at: Date
    }

    struct Transaction: Codable, Sendable {
        let reference: String
        let amountVND: Int
        let returnURL: String
        let orderInfo: String
        let createdAt: Date
        var status: String
        var responseCode: String?
        var transactionNumber: String?
        var paidAmountVND: Int?
        var payDate: Date?
        var replies: [Reply] = []
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    let merchant: String
    let secret: String
    let ipnURL: String
    let attempts: Int
    let retrySeconds: Double
    /// The tests' controllable clock when they give one (TTHC_CLOCK_FILE), as the services use.
    let clock: ServiceClock
    private var transactions: [String: Transaction] = [:]
    private var nextNumber = 14_422_574

    init(merchant: String, secret: String, ipnURL: String, attempts: Int, retrySeconds: Double, clock: ServiceClock) {
        self.clock = clock
        self.merchant = merchant
        self.secret = secret
        self.ipnURL = ipnURL
        self.attempts = attempts
        self.retrySeconds = retrySeconds
    }

    /// A payment URL checked as the platform checks it.
    func open(_ p: [String: String]) -> Result<Transaction, Refusal> {
        guard VNPay.verify(p, secret: secret) else { return .failure(Refusal(description: "Sai chữ ký (vnp_SecureHash)")) }
        guard p["vnp_TmnCode"] == merchant else { return .failure(Refusal(description: "Website chưa được phê duyệt (vnp_TmnCode)")) }
        guard p["vnp_Version"] == VNPay.version, p["vnp_Command"] == "pay" else {
            return .failure(Refusal(description: "Sai phiên bản hoặc lệnh (vnp_Version, vnp_Command)"))
        }
        guard let reference = p["vnp_TxnRef"], !reference.isEmpty, let hundredths = p["vnp_Amount"].flatMap({ Int($0) }),
              hundredths > 0, hundredths % 100 == 0, let returnURL = p["vnp_ReturnUrl"] else {
            return .failure(Refusal(description: "Thiếu hoặc sai tham số (vnp_TxnRef, vnp_Amount, vnp_ReturnUrl)"))
        }
        if let expiry = p["vnp_ExpireDate"].flatMap(VNPay.date), expiry < clock.now {
            return .failure(Refusal(description: "Giao dịch đã quá thời gian chờ thanh toán"))
        }
        if let existing = transactions[reference] {
            guard existing.amountVND == hundredths / 100 else { return .failure(Refusal(description: "Trùng mã giao dịch (vnp_TxnRef)")) }
            return .success(existing)
        }
        let transaction = Transaction(reference: reference, amountVND: hundredths / 100, returnURL: returnURL,
                                      orderInfo: p["vnp_OrderInfo"] ?? "", createdAt: clock.now, status: "pending")
        transactions[reference] = transaction
        return .success(transaction)
    }

    /// Decides a transaction; returns where the payer's browser goes back to (signed outcome).
    func decide(_ reference: String, _ decision: Decision) -> String? {
        guard var transaction = transactions[reference] else { return nil }
        if transaction.transactionNumber == nil {
            nextNumber += 1
            transaction.transactionNumber = String(nextNumber)
        }
        transaction.status = decision == .success ? "paid" : "failed"
        transaction.responseCode = decision.responseCode
        transaction.paidAmountVND = transaction.amountVND
        transaction.payDate = clock.now
        transactions[reference] = transaction
        let query = VNPay.query(VNPay.signed(outcome(transaction).parameters, secret: secret))
        return transaction.returnURL + (transaction.returnURL.contains("?") ? "&" : "?") + query
    }

    func outcome(_ t: Transaction) -> VNPay.Outcome {
        VNPay.Outcome(merchantCode: merchant, transactionReference: t.reference, amountVND: t.paidAmountVND ?? t.amountVND,
                      responseCode: t.responseCode ?? "99", transactionStatus: t.responseCode == "00" ? "00" : "02",
                      transactionNumber: t.transactionNumber ?? "", bankCode: "NCB", payDate: t.payDate)
    }

    /// Delivers the transaction's IPN `deliveries` times; each delivery is retried until the
    /// merchant answers `00` or `02` or the attempts run out. `amountVND`: a callback claiming
    /// another amount than the transaction's (signed all the same), as a faulty platform might.
    func deliver(_ reference: String, deliveries: Int, forged: Bool, amountVND: Int? = nil, delaySeconds: Double) async -> [Reply] {
        guard let transaction = transactions[reference] else { return [] }
        if delaySeconds > 0 { try? await Task.sleep(for: .seconds(delaySeconds)) }
        var claimed = outcome(transaction)
        if let amountVND { claimed.amountVND = amountVND }
        var parameters = VNPay.signed(claimed.parameters, secret: forged ? "not-the-merchant-secret" : secret)
        parameters["vnp_SecureHashType"] = nil
        let url = ipnURL + "?" + VNPay.query(parameters)
        var replies: [Reply] = []
        for _ in 0..<deliveries {
            for attempt in 1...max(attempts, 1) {
                let reply = await Self.call(url)
                replies.append(reply)
                transactions[reference]?.replies.append(reply)
                if let code = reply.rspCode, VNPay.IPNAnswer(rawValue: code)?.settles == true { break }
                // A forged call is refused for good: the platform would not retry its own bad signature.
                if forged || attempt == attempts { break }
                try? await Task.sleep(for: .seconds(retrySeconds))
            }
        }
        return replies
    }

    /// One IPN call, as the platform makes it: GET with the signed parameters, a short timeout.
    static func call(_ url: String) async -> Reply {
        guard let target = URL(string: url) else { return Reply(httpStatus: nil, rspCode: nil, message: "bad URL", at: Date()) }
        var request = URLRequest(url: target)
        request.timeoutInterval = 10
        do {
            let (data, response) = try await URLSession.shared.data(for: request)
            let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            return Reply(httpStatus: (response as? HTTPURLResponse)?.statusCode, rspCode: body?["RspCode"] as? String,
                         message: body?["Message"] as? String, at: Date())
        } catch {
            return Reply(httpStatus: nil, rspCode: nil, message: "\(error)", at: Date())
        }
    }

    func transaction(_ reference: String) -> Transaction? { transactions[reference] }

    /// `querydr`: the request's pipe-joined hash checked, the transaction's state answered, signed.
    func query(_ r: [String: String]) -> [String: String] {
        let requestId = r["vnp_RequestId"] ?? ""
        let expected = VNPay.hmac(VNPay.queryHashData(
            requestId: requestId, merchantCode: r["vnp_TmnCode"] ?? "", transactionReference: r["vnp_TxnRef"] ?? "",
            transactionDate: r["vnp_TransactionDate"] ?? "", createDate: r["vnp_CreateDate"] ?? "", clientAddress: r["vnp_IpAddr"] ?? "",
            orderInfo: r["vnp_OrderInfo"] ?? ""), secret: secret)
        var answer: [String: String] = ["vnp_ResponseId": UUID().uuidString, "vnp_Command": "querydr", "vnp_TmnCode": merchant,
                                        "vnp_TxnRef": r["vnp_TxnRef"] ?? ""]
        if r["vnp_SecureHash"]?.lowercased() != expected {
            answer["vnp_ResponseCode"] = "97"
            answer["vnp_Message"] = "Invalid Checksum"
        } else if let t = transactions[r["vnp_TxnRef"] ?? ""] {
            answer["vnp_ResponseCode"] = "00"
            answer["vnp_Message"] = "QueryDR Success"
            answer["vnp_Amount"] = String((t.paidAmountVND ?? t.amountVND) * 100)
            answer["vnp_TransactionNo"] = t.transactionNumber ?? ""
            answer["vnp_TransactionStatus"] = t.status == "paid" ? "00" : t.status == "pending" ? "01" : "02"
            answer["vnp_PayDate"] = t.payDate.map(VNPay.timestamp) ?? ""
            answer["vnp_OrderInfo"] = t.orderInfo
            answer["vnp_TransactionType"] = "01"
            answer["vnp_BankCode"] = "NCB"
        } else {
            answer["vnp_ResponseCode"] = "91"
            answer["vnp_Message"] = "Transaction not found"
        }
        answer["vnp_SecureHash"] = VNPay.hmac(VNPay.queryResponseHashData(answer), secret: secret)
        return answer
    }

    /// The day's paid transactions (Vietnam date `yyyyMMdd`), as the platform's statement file.
    func statement(day: String) -> String {
        let rows = transactions.values.filter { $0.status == "paid" && ($0.payDate.map(VNPay.timestamp)?.hasPrefix(day) ?? false) }
            .sorted { $0.reference < $1.reference }
            .map { "\($0.reference),\($0.transactionNumber ?? ""),\($0.paidAmountVND ?? $0.amountVND),\($0.payDate.map(VNPay.timestamp) ?? ""),00" }
        return (["TxnRef,TransactionNo,AmountVND,PayDate,ResponseCode"] + rows).joined(separator: "\n") + "\n"
    }
}
