import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

/// One notice per event, stored in the member's account (tài khoản) with a Vietnamese text, and
/// the same notice to the dossier's delegate (Đ.11) while the delegation holds; a batch of events
/// is one statement.
struct NoticeHandler<Payload: Codable & Sendable>: BatchMessageHandler {
    let tables = ["notices", "dossier_delegates"]
    let messageType: MessageType
    /// The dossier code (none for a payment without one), the member and the text of the notice.
    let render: @Sendable (Payload) -> (dossierCode: String?, memberId: String, text: String)
    /// The delegation the event records (received and accepted dossiers carry it).
    var delegation: (@Sendable (Payload) -> SubmissionDelegation?)?

    /// Without a delegation to record, a notice is one row per (message id, recipient), ON
    /// CONFLICT DO NOTHING: no inbox row needed. Recording a delegation is not (an old event
    /// delivered again could replace a newer delegation), so those go through the inbox.
    var idempotentByMessageId: Bool { delegation == nil }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let payloads = try batch.map { try $0.decode(Payload.self).data }
        let notices = payloads.map(render)
        if let delegation {
            try DelegateFollowers.record(zip(payloads, notices).compactMap { payload, notice in
                guard let code = notice.dossierCode else { return nil }
                return delegation(payload).map { (code, $0) }
            }, context: context)
        }
        try context.db.executeDeferred("""
            WITH event AS (
                SELECT * FROM unnest($1::text[], $3::text[], $4::text[], $5::text[]) AS t(id, dossier, member, text))
            INSERT INTO notices (source_message_id, source_type, dossier_code, member_id, recipient_kind, recipient_id, text)
            SELECT id, $2, dossier, member, 'member', member, text FROM event
            UNION ALL
            SELECT e.id, $2, e.dossier, e.member, d.delegate_kind, d.delegate_id,
                   'Thông báo cho người được ủy quyền theo dõi hồ sơ của đảng viên ' || e.member || ': ' || e.text
            FROM event e JOIN dossier_delegates d ON d.dossier_code = e.dossier
            WHERE d.valid_until IS NULL OR $6::timestamptz < d.valid_until + interval '1 day'
            ON CONFLICT (source_message_id, recipient_kind, recipient_id) DO NOTHING
            """, [PostgresArray(batch.map(\.id)), messageType.routingKey, PostgresArray(notices.map(\.dossierCode)),
                  PostgresArray(notices.map(\.memberId)), PostgresArray(notices.map(\.text)), context.now])
    }
}

/// The delegates following dossiers: the newest delegation recorded for a dossier holds.
enum DelegateFollowers {
    static func record(_ delegations: [(dossierCode: String, delegation: SubmissionDelegation)], context: HandlerContext) throws {
        guard !delegations.isEmpty else { return }
        // One row per dossier in the statement (ON CONFLICT cannot touch a row twice): the last wins.
        var latest: [String: SubmissionDelegation] = [:]
        for (code, delegation) in delegations { latest[code] = delegation }
        let rows = latest.sorted { $0.key < $1.key }
        try context.db.executeDeferred("""
            INSERT INTO dossier_delegates (dossier_code, delegate_kind, delegate_id, delegate_name, valid_until, recorded_at)
            SELECT code, kind, id, name, until, $6::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS t(code, kind, id, name, until)
            ON CONFLICT (dossier_code) DO UPDATE SET delegate_kind = excluded.delegate_kind, delegate_id = excluded.delegate_id,
                delegate_name = excluded.delegate_name, valid_until = excluded.valid_until, recorded_at = excluded.recorded_at
            """, [PostgresArray(rows.map(\.key)), PostgresArray(rows.map(\.value.delegateKind.rawValue)),
                  PostgresArray(rows.map(\.value.delegateId)), PostgresArray(rows.map(\.value.delegateName)),
                  PostgresArray(rows.map { $0.value.validUntil?.postgresText }), context.now])
    }
}

enum NoticeHandlers {
    static let all: [any MessageHandler] = [
        NoticeHandler<DossierReceivedV1>(messageType: .dossierReceived, render: {
            ($0.dossierCode, $0.submitter.memberId,
             "Hồ sơ \($0.dossierCode) đã được tiếp nhận lúc \(VietnamTime.display($0.officialReceiptAt)).")
        }, delegation: \.delegation),
        NoticeHandler<DossierAcceptedV1>(messageType: .dossierAccepted, render: {
            ($0.dossierCode, $0.submitter.memberId, "Hồ sơ \($0.dossierCode) hợp lệ và đang được giải quyết.")
        }, delegation: \.delegation),
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
        NoticeHandler<DossierWithdrawnV1>(messageType: .dossierWithdrawn) {
            ($0.dossierCode, $0.memberId ?? "",
             "Hồ sơ \($0.dossierCode) đã được rút theo đề nghị" + ($0.reason.map { ", lý do: \($0)." } ?? "."))
        },
        NoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferExtended) {
            ($0.dossierCode, $0.memberId,
             "Thời hạn sinh hoạt đảng tạm thời của đồng chí tại tổ chức \($0.temporaryOrganisationCode) được gia hạn đến hết ngày \($0.endsOn).")
        },
        NoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionPending) {
            ($0.dossierCode, $0.memberId,
             "Đề nghị gia hạn sinh hoạt đảng tạm thời thêm \($0.months) tháng (đến hết ngày \($0.proposedEndsOn)) đã được chuyển đến cấp ủy tổ chức \($0.temporaryOrganisationCode) xem xét; tổ chức \($0.officialOrganisationCode) đã được thông báo.")
        },
        NoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionRefused) {
            ($0.dossierCode, $0.memberId,
             "Đề nghị gia hạn sinh hoạt đảng tạm thời thêm \($0.months) tháng không được chấp nhận. Lý do: \($0.refusal ?? "không nêu"). Thời hạn vẫn đến hết ngày \($0.endsOn).")
        },
        NoticeHandler<ResultIssuedV1>(messageType: .resultIssued) {
            ($0.dossierCode, $0.memberId,
             "Kết quả giải quyết hồ sơ \($0.dossierCode) đã được cấp, mã kết quả \($0.resultCode)"
                + ($0.verificationURL.map { "; xác thực tại \($0)." } ?? "."))
        },
        // Party dues: what to pay and where, then paid or an attempt failed (the link works again).
        NoticeHandler<PaymentDueV1>(messageType: .paymentDue) { due in
            (due.dossierCode, due.memberId, due.amountToPayVND == 0
                ? "Hồ sơ \(due.dossierCode): không phải nộp thêm tiền (" + (due.creditAppliedVND > 0 ? "đã trừ vào tiền nộp thừa kỳ trước"
                    : due.months.isEmpty ? "các tháng kê khai đã nộp hoặc đang chờ nộp ở hồ sơ khác" : "được miễn") + ")."
                : "Hồ sơ \(due.dossierCode): số tiền phải nộp \(due.amountToPayVND) đồng"
                    + (due.creditAppliedVND > 0 ? " (đã trừ \(due.creditAppliedVND) đồng nộp thừa kỳ trước)" : "")
                    + (due.checkoutUrl.map { "; nộp trực tuyến tại \($0) hoặc nộp tiền mặt cho chi bộ." } ?? "."))
        },
        NoticeHandler<PaymentCompletedV1>(messageType: .paymentCompleted) { paid in
            (paid.dossierCode, paid.memberId,
             (paid.amountVND == 0
                ? "Khoản thanh toán \(paid.paymentId) đã hoàn tất, không phải nộp tiền (trừ vào tiền nộp thừa hoặc được miễn)"
                : "Đã nhận \(paid.amountVND) đồng cho khoản thanh toán \(paid.paymentId)")
                + ((paid.creditBalanceVND ?? 0) > 0 ? "; số tiền nộp thừa \(paid.creditBalanceVND ?? 0) đồng được chuyển sang kỳ sau." : "."))
        },
        NoticeHandler<PaymentFailedV1>(messageType: .paymentFailed) { failed in
            (failed.dossierCode, failed.memberId,
             "Giao dịch thanh toán cho khoản thanh toán \(failed.paymentId) không thành công: \(failed.reason). Có thể thanh toán lại bằng đường dẫn đã nhận.")
        },
        // Đ.18: the member is told; any paper copy loses its validity at the same moment.
        NoticeHandler<ResultRevokedV1>(messageType: .resultRevoked) {
            ($0.dossierCode, $0.memberId ?? "",
             "Kết quả \($0.resultCode) của hồ sơ \($0.dossierCode) đã bị thu hồi lúc \(VietnamTime.display($0.revokedAt)). Lý do: \($0.reason). Bản giấy của kết quả không còn giá trị.")
        },
    ]
}
