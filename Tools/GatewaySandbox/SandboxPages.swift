import Contracts
import Foundation
import Hummingbird
import PaymentGateways

/// The sandbox's pages and JSON answers.
enum SandboxPages {
    static func response(_ status: HTTPResponse.Status, _ html: String) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: Array(data))))
    }

    static func page(_ title: String, _ body: String) -> String {
        """
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title></head><body><h1>\(title)</h1>\(body)</body></html>
        """
    }

    static func paying(_ t: SandboxPlatform.Transaction) -> String {
        page("Cổng thanh toán thử nghiệm", """
            <p>Giao dịch \(HTMLText.escape(t.reference)): <strong>\(t.amountVND) VND</strong></p><p>\(HTMLText.escape(t.orderInfo))</p>
            <form method="post" action="/paymentv2/pay/\(VNPay.formEncode(t.reference))?outcome=success"><button>Thanh toán</button></form>
            <form method="post" action="/paymentv2/pay/\(VNPay.formEncode(t.reference))?outcome=cancel"><button>Hủy giao dịch</button></form>
            """)
    }

    static func refused(_ reason: String) -> String { page("Giao dịch không hợp lệ", "<p>\(HTMLText.escape(reason))</p>") }
}
