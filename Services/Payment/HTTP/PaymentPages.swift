import Contracts
import Foundation
import PaymentGateways

/// The payer's pages, plain HTML in Vietnamese, readable on a phone.
enum PaymentPages {
    static func html(_ title: String, _ body: String) -> String {
        """
        <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title)</title><style>body{font-family:sans-serif;max-width:36em;margin:1em auto;padding:0 1em;line-height:1.5}</style></head>
        <body><h1>\(title)</h1>\(body)</body></html>
        """
    }

    static func vnd(_ amount: Int) -> String {
        let digits = String(amount)
        var grouped = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { grouped.append(".") }
            grouped.append(c)
        }
        return grouped + " đồng"
    }

    static let unknown = html("Không tìm thấy khoản thanh toán", "<p>Đường dẫn thanh toán không đúng hoặc đã hết hiệu lực.</p>")
    static let forgedReturn = html("Kết quả thanh toán không hợp lệ",
                                   "<p>Thông tin trả về không có chữ ký hợp lệ của cổng thanh toán; kết quả được xác nhận riêng với hệ thống.</p>")

    static func status(_ order: OrderDesk.Order, returned: GatewayCallback?) -> String {
        let months = order.months.map { "<li>Tháng \($0.month.display): \(vnd($0.amountDueVND))</li>" }.joined()
        let state: String = switch order.status {
        case .paid: "Đã thanh toán. Biên lai sẽ được cấp và lưu trong kho dữ liệu của đảng viên."
        case .cancelled: "Khoản thanh toán đã hủy (hồ sơ đã được rút)."
        case .awaitingPayment:
            if case let .outcome(outcome)? = returned, !outcome.succeeded {
                "Thanh toán không thành công: \(VNPay.describe(outcome.responseCode)). Có thể thanh toán lại bằng đường dẫn đã nhận."
            } else if case .outcome? = returned {
                "Đang chờ cổng thanh toán xác nhận giao dịch."
            } else {
                "Chưa thanh toán."
            }
        }
        return html("Nộp đảng phí — hồ sơ \(HTMLText.escape(order.dossierCode))", """
            <p>\(HTMLText.escape(state))</p><ul>\(months)</ul><p>Số tiền phải nộp: <strong>\(vnd(order.amountToPayVND))</strong>\
            \(order.creditAppliedVND > 0 ? " (đã trừ \(vnd(order.creditAppliedVND)) nộp thừa kỳ trước)" : "")</p>
            """)
    }
}
