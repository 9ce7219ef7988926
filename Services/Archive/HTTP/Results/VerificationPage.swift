import Calendar
import Contracts
import Foundation

/// The public verification page (Đ.21): what a person who scanned a paper copy's QR code reads,
/// in Vietnamese, on a phone. Plain HTML, no script, every value escaped.
enum VerificationPage {
    static func html(_ found: ResultRoutes.Verification) -> String {
        let (headline, colour): (String, String) = switch found.status {
        case .valid where found.signatureValid == true: ("Kết quả HỢP LỆ", "#1b5e20")
        case .valid: ("Không xác minh được chữ ký số của kết quả", "#b71c1c")
        case .revoked: ("Kết quả ĐÃ BỊ THU HỒI", "#b71c1c")
        case .unknown: ("Không tìm thấy kết quả", "#5d4037")
        }
        var rows: [(String, String?)] = [
            ("Hệ thống cấp", found.issuingSystem),
            ("Tổ chức đảng cấp", found.issuingOrganisationCode),
            ("Mã kết quả", found.resultCode),
            ("Mã lưu trữ", found.storeCode),
            ("Loại giấy tờ", found.documentTypeCode.map(ResultPaperCopy.name)),
            ("Người được cấp", found.holderName),
            ("Ngày cấp", found.issuedAt.map(VietnamTime.display)),
        ]
        if found.convertedFromPaper == true { rows.append(("Nguồn gốc", ResultPaperCopy.convertedFromPaper)) }
        if found.status == .revoked {
            rows += [("Thu hồi lúc", found.revokedAt.map(VietnamTime.display)),
                     ("Ghi chú", "Kết quả và mọi bản giấy của kết quả không còn giá trị từ thời điểm thu hồi.")]
        }
        if found.status != .unknown {
            rows.append(("Chữ ký số", found.signatureValid == true ? "Hợp lệ (\(found.signer ?? ""))" : "Không hợp lệ"))
        }
        // Each label above its value: on a phone's width a two-column table breaks the labels apart.
        let table = rows.compactMap { label, value in
            value.map { "<dt>\(escape(label))</dt><dd>\(escape($0))</dd>" }
        }.joined(separator: "\n")
        let note = found.status == .unknown
            ? "<p>Mã xác thực không đúng hoặc không còn trong hệ thống. Vui lòng kiểm tra lại bản giấy.</p>" : ""
        return """
            <!DOCTYPE html>
            <html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Xác thực kết quả giải quyết thủ tục hành chính</title>
            <style>body{font-family:sans-serif;margin:1rem;max-width:40rem}h1{font-size:1.2rem}
            .status{color:#fff;background:\(colour);padding:.6rem;border-radius:.3rem;font-weight:bold}
            dt{font-weight:bold;margin-top:.6rem}dd{margin:0;overflow-wrap:anywhere}</style></head>
            <body><h1>Xác thực kết quả giải quyết thủ tục hành chính</h1>
            <p class="status" id="trang-thai">\(escape(headline))</p>
            \(note)<dl>
            \(table)
            </dl></body></html>
            """
    }

    static func escape(_ text: String) -> String { HTMLText.escape(text) }
}
