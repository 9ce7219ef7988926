/// A dossier's public status on the status desk (tra cứu tình trạng hồ sơ, Đ.5.8): the status
/// carried by its latest timeline event that sets one (`intake.dossier_events.status`), written by
/// intake on receipt and supplement and by `TimelineHandler` for the other services' events.
enum PublicDossierStatus: String, Codable, Sendable, CaseIterable {
    case received
    case accepted
    case supplementRequested = "supplement-requested"
    case supplementReceived = "supplement-received"
    case refused
    case checkOverdue = "check-overdue"
    case inProgress = "in-progress"
    case decided
    case withdrawn
    case resultIssued = "result-issued"
    case resultRevoked = "result-revoked"

    /// SQL for the current status of the dossier whose code is `codeSQL` (a column or parameter
    /// from code, never input): events may arrive out of order, the latest one decides.
    static func currentSQL(of codeSQL: String) -> String {
        """
        (SELECT e.status FROM dossier_events e WHERE e.dossier_code = \(codeSQL) AND e.status IS NOT NULL
         ORDER BY e.occurred_at DESC, e.message_id DESC LIMIT 1)
        """
    }

    /// What the member reads.
    var label: String {
        switch self {
        case .received: "Đã tiếp nhận"
        case .accepted: "Đang giải quyết"
        case .supplementRequested: "Yêu cầu bổ sung hồ sơ"
        case .supplementReceived: "Đã nhận hồ sơ bổ sung"
        case .refused: "Từ chối tiếp nhận"
        case .checkOverdue: "Quá hạn kiểm tra hồ sơ"
        case .inProgress: "Đang xử lý"
        case .decided: "Đã có quyết định"
        case .withdrawn: "Đã rút hồ sơ"
        case .resultIssued: "Đã trả kết quả"
        case .resultRevoked: "Kết quả đã bị thu hồi"
        }
    }
}
