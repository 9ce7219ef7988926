import Foundation
import PaymentGateways
import XCTest

final class VNPayTests: XCTestCase {
    let secret = "SECRETKEY0123456789"

    func testThePaymentURLIsSignedOverTheSortedFormEncodedParameters() throws {
        let request = VNPay.PaymentRequest(
            merchantCode: "TTHCDEV1", amountVND: 95_000, transactionReference: "HCM.CB0001-261201-000123.1.1",
            orderInfo: "Nop dang phi 12/2026", returnURL: "http://127.0.0.1:8084/thanh-toan/abc/ket-qua", clientAddress: "127.0.0.1",
            createdAt: Date(timeIntervalSince1970: 1_796_000_000), expiresAt: Date(timeIntervalSince1970: 1_796_000_900))
        let url = request.url(gateway: "http://gw/paymentv2/vpcpay.html", secret: secret)
        let query = String(url.split(separator: "?", maxSplits: 1)[1])
        // In hundredths of a đồng, spaces as +, the return URL percent-encoded, keys in order.
        XCTAssertTrue(query.hasPrefix("vnp_Amount=9500000&vnp_Command=pay&vnp_CreateDate="), query)
        XCTAssertTrue(query.contains("vnp_OrderInfo=Nop+dang+phi+12%2F2026"), query)
        XCTAssertTrue(query.contains("vnp_ReturnUrl=http%3A%2F%2F127.0.0.1%3A8084%2Fthanh-toan%2Fabc%2Fket-qua"), query)
        let parameters = VNPay.parameters(fromQuery: query)
        XCTAssertEqual(parameters["vnp_OrderInfo"], "Nop dang phi 12/2026")
        XCTAssertTrue(VNPay.verify(parameters, secret: secret))
        XCTAssertEqual(parameters["vnp_SecureHash"]?.count, 128, "HMAC-SHA512 in hex")
        // The hash is HMAC-SHA512 of exactly the query before it.
        let signedPart = String(query[..<query.range(of: "&vnp_SecureHash=")!.lowerBound])
        XCTAssertEqual(VNPay.hmac(signedPart, secret: secret), parameters["vnp_SecureHash"])
    }

    func testAChangedAmountOrAnotherSecretBreaksTheSignature() {
        let outcome = VNPay.Outcome(merchantCode: "TTHCDEV1", transactionReference: "X.1.1", amountVND: 95_000, responseCode: "00",
                                    transactionStatus: "00", transactionNumber: "14422574", bankCode: "NCB", payDate: Date())
        var signed = VNPay.signed(outcome.parameters, secret: secret)
        XCTAssertTrue(VNPay.verify(signed, secret: secret))
        XCTAssertFalse(VNPay.verify(signed, secret: "another"))
        // Upper-case hex, as some gateways send it, is the same signature.
        signed["vnp_SecureHash"] = signed["vnp_SecureHash"]!.uppercased()
        XCTAssertTrue(VNPay.verify(signed, secret: secret))
        signed["vnp_Amount"] = "9600000"
        XCTAssertFalse(VNPay.verify(signed, secret: secret))
        XCTAssertEqual(VNPay.Outcome(signed)?.amountVND, 96_000)
    }

    func testIPNAnswersAreTheProtocolsCodes() {
        XCTAssertEqual(VNPay.IPNAnswer.confirmed.json, #"{"RspCode":"00","Message":"Confirm Success"}"#)
        XCTAssertEqual(VNPay.IPNAnswer.invalidSignature.rawValue, "97")
        XCTAssertEqual(VNPay.IPNAnswer.allCases.filter(\.settles), [.confirmed, .alreadyConfirmed])
    }

    func testAQueryIsSignedOverItsPipeJoinedFieldsAndSoIsItsAnswer() {
        let request = VNPay.QueryRequest(requestId: "R1", merchantCode: "TTHCDEV1", transactionReference: "X.1.1", orderInfo: "Truy van",
                                         transactionDate: "20261201091500", createdAt: Date(timeIntervalSince1970: 1_796_001_200),
                                         clientAddress: "127.0.0.1").signed(secret: secret)
        let data = ["R1", "2.1.0", "querydr", "TTHCDEV1", "X.1.1", request["vnp_TransactionDate"]!, request["vnp_CreateDate"]!,
                    "127.0.0.1", "Truy van"].joined(separator: "|")
        XCTAssertEqual(request["vnp_SecureHash"], VNPay.hmac(data, secret: secret))
        var answer = ["vnp_ResponseId": "A1", "vnp_Command": "querydr", "vnp_ResponseCode": "00", "vnp_TxnRef": "X.1.1", "vnp_Amount": "9500000"]
        answer["vnp_SecureHash"] = VNPay.hmac(VNPay.queryResponseHashData(answer), secret: secret)
        XCTAssertTrue(VNPay.verifyQueryResponse(answer, secret: secret))
        answer["vnp_Amount"] = "1"
        XCTAssertFalse(VNPay.verifyQueryResponse(answer, secret: secret))
    }
}
