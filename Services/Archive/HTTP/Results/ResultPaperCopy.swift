import Calendar
import Contracts
import Foundation
import PaperCopies

/// The printable copy of an issued result (bản giấy, Đ.21, following the portal's template): the
/// full content in Vietnamese, the issuing system's name, the dossier and result codes, and a QR
/// code leading to the verification page. Valid only while the electronic original is: the page
/// the QR code opens says so at any moment.
enum ResultPaperCopy {
    static let titles = [
        "GGT": "GIẤY GIỚI THIỆU SINH HOẠT ĐẢNG",
        "PNX": "PHIẾU NHẬN XÉT ĐẢNG VIÊN",
        "BL": "BIÊN LAI THU ĐẢNG PHÍ",
        "TBTC": "THÔNG BÁO TỪ CHỐI GIẢI QUYẾT HỒ SƠ",
    ]

    static let convertedFromPaper = "Bản điện tử chuyển đổi từ bản giấy (Điều 20 Quy định 338-QĐ/TW)"

    static func title(of documentType: String) -> String {
        titles[documentType] ?? "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
    }

    /// The document's name as a sentence says it ("Giấy giới thiệu sinh hoạt đảng (GGT)").
    static func name(of documentType: String) -> String {
        let lower = title(of: documentType).lowercased()
        return lower.prefix(1).uppercased() + lower.dropFirst() + " (\(documentType))"
    }

    /// Labels of what routes add to a result (besides the form's own fields, labelled by the catalog).
    static let routeLabels = [
        "duesStatus": "Tình hình đóng đảng phí",
        "chiBoNoiDi": "Chi bộ nơi đi",
        "chiBoNoiDen": "Chi bộ nơi đến",
        "soTheDangVien": "Số thẻ đảng viên",
        "soLyLich": "Số lý lịch đảng viên",
        "soDangKy": "Số đăng ký đảng viên",
        // A dues receipt (biên lai, BL): what the `pay` step recorded from payment.
        "paymentId": "Mã khoản thu",
        "amountVND": "Số tiền đã nộp (đồng)",
        "months": "Các tháng đã nộp (tháng:số tiền)",
        "channel": "Hình thức nộp",
        "provider": "Đơn vị thanh toán",
        "providerReference": "Mã giao dịch",
        "paidAt": "Thời điểm nộp",
        "creditAppliedVND": "Trừ tiền nộp thừa kỳ trước (đồng)",
    ]

    /// How a payment arrived, as the receipt says it.
    static let channels = ["online": "Trực tuyến qua nền tảng thanh toán", "cash": "Tiền mặt nộp cho chi bộ",
                           "credit": "Trừ vào tiền nộp thừa hoặc được miễn"]

    static func pdf(_ document: ResultDocument, verificationURL: String, signer: String?, catalog: ProcedureCatalog) throws -> [UInt8] {
        let procedure = document.procedureCode.flatMap { catalog.procedure($0, at: document.decidedAt) }
        let formLabels = Dictionary((procedure?.form.fields ?? []).map { ($0.name, $0.label) }, uniquingKeysWith: { first, _ in first })
        var fields: [(label: String, value: String)] = [
            ("Mã kết quả", document.resultCode),
            (document.convertedFromPaper == nil ? "Mã hồ sơ" : "Mã số hoá", document.dossierCode),
            ("Mã lưu trữ", document.storeCode),
            ("Số giấy tờ", document.documentNumber),
        ]
        if let original = document.convertedFromPaper {
            // Đ.20.3c: the copy says it was converted from paper, and from which original.
            fields += [("Nguồn gốc", Self.convertedFromPaper),
                       ("Bản giấy gốc", "Số \(original.number) ngày \(original.issuedOn), \(original.issuer)")]
        } else {
            fields.append(("Thủ tục", procedure?.name ?? document.procedureCode ?? ""))
        }
        fields.append(("Đảng viên", document.holderName ?? document.memberId))
        if let citizenId = document.holderCitizenId { fields.append(("Số định danh cá nhân", citizenId)) }
        fields.append(("Kết quả", document.decision == .approved ? "Phê duyệt" : "Từ chối"))
        if let reason = document.reason { fields.append(("Lý do", reason)) }
        for (key, value) in (document.resultData ?? [:]).sorted(by: { $0.key < $1.key }) where !value.isEmpty {
            fields.append((routeLabels[key] ?? formLabels[key] ?? key, key == "channel" ? channels[value] ?? value : value))
        }
        fields += [
            ("Tổ chức đảng cấp", document.issuingOrganisationCode),
            ("Ngày cấp", VietnamTime.display(document.issuedAt)),
            ("Chữ ký số", signer.map { "Đã ký số bởi \($0)" } ?? "Bản điện tử có chữ ký số của tổ chức cấp"),
        ]
        return try PaperCopy(
            heading: ["ĐẢNG CỘNG SẢN VIỆT NAM", ResultDocument.issuingSystem],
            title: title(of: document.documentTypeCode),
            fields: fields, verificationURL: verificationURL,
            qrCaption: "Bản giấy chỉ có giá trị khi bản điện tử còn hiệu lực. Quét mã QR để xác thực.").pdf()
    }
}
