/// A dossier's public status on intake's status desk (tra cứu tình trạng hồ sơ, Đ.5.8), as
/// `GET /v1/dossiers/{code}` answers it (`Services/Intake/HTTP/openapi.yaml` lists the same values,
/// checked by a test): the status carried by the dossier's latest timeline event that sets one.
public enum PublicDossierStatus: String, Codable, Sendable, CaseIterable {
    case received
    case accepted
    case supplementRequested = "supplement-requested"
    case supplementReceived = "supplement-received"
    case refused
    case checkOverdue = "check-overdue"
    case inProgress = "in-progress"
    /// At a `pay` step: the member has the amount and the checkout link.
    case awaitingPayment = "awaiting-payment"
    case decided
    case withdrawn
    case resultIssued = "result-issued"
    case resultRevoked = "result-revoked"

    /// What the member reads.
    public var label: String {
        switch self {
        case .received: "Đã tiếp nhận"
        case .accepted: "Đang giải quyết"
        case .supplementRequested: "Yêu cầu bổ sung hồ sơ"
        case .supplementReceived: "Đã nhận hồ sơ bổ sung"
        case .refused: "Từ chối tiếp nhận"
        case .checkOverdue: "Quá hạn kiểm tra hồ sơ"
        case .inProgress: "Đang xử lý"
        case .awaitingPayment: "Chờ nộp tiền"
        case .decided: "Đã có quyết định"
        case .withdrawn: "Đã rút hồ sơ"
        case .resultIssued: "Đã trả kết quả"
        case .resultRevoked: "Kết quả đã bị thu hồi"
        }
    }
}
