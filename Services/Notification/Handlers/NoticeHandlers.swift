import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

/// One notice per event, stored in the member's account (tài khoản) with a Vietnamese text;
/// a batch of events is one statement.
struct NoticeHandler<Payload: Codable & Sendable>: BatchMessageHandler {
    let messageType: MessageType
    /// The dossier code, the member and the text of the notice.
    let render: @Sendable (Payload) -> (dossierCode: String, memberId: String, text: String)

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let notices = try batch.map { render(try $0.decode(Payload.self).data) }
        try context.db.execute("""
            INSERT INTO notices (source_message_id, source_type, dossier_code, member_id, text)
            SELECT id, $2, dossier, member, text FROM unnest($1::text[], $3::text[], $4::text[], $5::text[])
                AS t(id, dossier, member, text)
            ON CONFLICT (source_message_id) DO NOTHING
            """, [PostgresArray(batch.map(\.id)), messageType.routingKey, PostgresArray(notices.map(\.dossierCode)),
                  PostgresArray(notices.map(\.memberId)), PostgresArray(notices.map(\.text))])
    }
}

enum NoticeHandlers {
    static let all: [any MessageHandler] = [
        NoticeHandler<DossierReceivedV1>(messageType: .dossierReceived) {
            ($0.dossierCode, $0.submitter.memberId,
             "Hồ sơ \($0.dossierCode) đã được tiếp nhận lúc \(VietnamTime.display($0.officialReceiptAt)).")
        },
        NoticeHandler<DossierAcceptedV1>(messageType: .dossierAccepted) {
            ($0.dossierCode, $0.submitter.memberId, "Hồ sơ \($0.dossierCode) hợp lệ và đang được giải quyết.")
        },
        // Complete guidance once (Đ.14.3): every problem in the one notice.
        NoticeHandler<DossierSupplementRequestedV1>(messageType: .dossierSupplementRequested) {
            ($0.dossierCode, $0.memberId ?? "",
             "Hồ sơ \($0.dossierCode) cần bổ sung, hoàn thiện (\($0.problems.count) nội dung): "
                + $0.problems.enumerated().map { "\($0.offset + 1)) \($0.element.message)" }.joined(separator: " ")
                + " Mã hồ sơ không thay đổi khi bổ sung.")
        },
        NoticeHandler<DossierRefusedV1>(messageType: .dossierRefused) {
            ($0.dossierCode, $0.memberId, "Hồ sơ \($0.dossierCode) không được tiếp nhận giải quyết. Lý do: \($0.reason)")
        },
        NoticeHandler<DossierDecidedV1>(messageType: .dossierDecided) {
            ($0.dossierCode, $0.memberId, $0.decision == .approved
                ? "Hồ sơ \($0.dossierCode) đã được phê duyệt."
                : "Hồ sơ \($0.dossierCode) bị từ chối. Lý do: \($0.reason ?? "không nêu").")
        },
        NoticeHandler<ResultIssuedV1>(messageType: .resultIssued) {
            ($0.dossierCode, $0.memberId,
             "Kết quả giải quyết hồ sơ \($0.dossierCode) đã được cấp, mã kết quả \($0.resultCode).")
        },
    ]
}
