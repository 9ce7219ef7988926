import Contracts
import Foundation
import Persistence
import ServiceKit

/// Keeps each dossier's timeline, and with it its status (status desk, Đ.5.8), from the events of
/// every service: the event's kind, time, the status it leads to, and the few details its submitter
/// sees with the receipt secret (never the documents); and passes each event on to the integrator
/// that submitted the dossier (its feed).
struct TimelineHandler: BatchMessageHandler {
    let tables = ["dossier_events", "dossiers"]
    let messageType: MessageType
    /// The public status after this event; nil for an entry that changes none (a decided
    /// temporary transfer's extension).
    let status: PublicDossierStatus?
    /// One row per message id (ON CONFLICT DO NOTHING) and the integrator's copy only with a new
    /// row: a redelivery changes nothing without the inbox.
    var idempotentByMessageId: Bool { true }
    /// Public Vietnamese summary.
    let summary: String
    /// Fields of the event's data the submitter sees with the receipt secret (never public).
    var detailFields: [String] = []

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        // Every dossier event carries its dossier code as the CloudEvents subject.
        let events = batch.compactMap { message -> (IncomingMessage, String)? in
            guard let code = message.header.subject, !code.isEmpty else { return nil }
            return (message, code)
        }
        guard !events.isEmpty else { return }
        let times = events.map { $0.0.header.time ?? context.now }
        // The rows actually inserted, with their dossier's integrator: only those are forwarded.
        let inserted = try context.db.execute("""
            WITH added AS (
                INSERT INTO dossier_events (message_id, dossier_code, event_type, occurred_at, summary, status, details)
                SELECT id, code, $3, at, $4, $6, details
                FROM unnest($1::text[], $2::text[], $5::timestamptz[], $7::jsonb[]) AS t(id, code, at, details)
                ON CONFLICT (message_id) DO NOTHING
                RETURNING message_id, dossier_code)
            SELECT added.message_id, d.integrator FROM added JOIN dossiers d ON d.code = added.dossier_code
            """, [PostgresArray(events.map(\.0.id)), PostgresArray(events.map(\.1)), messageType.routingKey, summary,
                  PostgresArray(times), status?.rawValue, PostgresArray(events.map { details(of: $0.0) })])
        // A finishing status closes the dossier for the accounting (015_finished_dossiers.sql);
        // the same dossier twice in a batch takes the earliest time.
        if let status, status.standing == .finished {
            try context.db.executeDeferred("""
                UPDATE dossiers SET finished_at = t.at
                FROM (SELECT code, min(at) AS at FROM unnest($1::text[], $2::timestamptz[]) AS u(code, at) GROUP BY code) t
                WHERE dossiers.code = t.code AND dossiers.finished_at IS NULL
                """, [PostgresArray(events.map(\.1)), PostgresArray(times)])
        }
        let integrators = try inserted.rows.reduce(into: [String: String]()) {
            $0[try $1.string("message_id")] = try $1.string("integrator")
        }
        // Once per inserted row, also when the batch holds two copies of one event.
        var forwarded: Set<String> = []
        for (message, _) in events where forwarded.insert(message.id).inserted {
            if let integrator = integrators[message.id] { try context.forwardToIntegrator(integrator, message) }
        }
    }

    /// The detail fields present in the event's data, as a JSON object (nil when none).
    func details(of message: IncomingMessage) -> String? {
        guard !detailFields.isEmpty,
              let envelope = try? JSONSerialization.jsonObject(with: Data(message.delivery.body)) as? [String: Any],
              let data = envelope["data"] as? [String: Any] else { return nil }
        let kept = data.filter { detailFields.contains($0.key) }
        guard !kept.isEmpty, let json = try? JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]) else { return nil }
        return String(decoding: json, as: UTF8.self)
    }

    /// The first entry of every timeline, written by the submission desk in the transaction that
    /// creates the dossier (intake does not consume its own `dossier.received`).
    static let receivedSummary = "Hồ sơ đã được tiếp nhận."

    /// Who submits for the member, and how they were authorised (Đ.11).
    static func delegatedSummary(_ delegation: SubmissionDelegation) -> String {
        "Hồ sơ được nộp theo ủy quyền (\(delegation.formLabel)); \(delegation.delegateLabel) thực hiện và chịu trách nhiệm về nội dung."
    }

    /// The events intake follows, with the public status each one leads to.
    static let all: [TimelineHandler] = [
        TimelineHandler(messageType: .dossierAccepted, status: .accepted, summary: "Hồ sơ hợp lệ, đang được giải quyết.",
                        detailFields: ["prefilled"]),
        TimelineHandler(messageType: .dossierSupplementRequested, status: .supplementRequested,
                        summary: "Cơ quan tiếp nhận yêu cầu bổ sung, hoàn thiện hồ sơ.", detailFields: ["problems", "deadline"]),
        TimelineHandler(messageType: .dossierRefused, status: .refused, summary: "Hồ sơ bị từ chối, có nêu rõ lý do.",
                        detailFields: ["reasonCode", "reason", "refusingOrganisationCode"]),
        TimelineHandler(messageType: .dossierCheckOverdue, status: .checkOverdue,
                        summary: "Quá thời hạn kiểm tra hồ sơ; tổ chức tiếp nhận đã được nhắc xử lý."),
        TimelineHandler(messageType: .dossierStepAssigned, status: .inProgress,
                        summary: "Hồ sơ được chuyển đến tổ chức đảng xử lý bước tiếp theo.",
                        detailFields: ["stepNumber", "stepCode", "organisationCode", "deadline"]),
        TimelineHandler(messageType: .paymentDue, status: .awaitingPayment,
                        summary: "Đã xác định số tiền phải nộp; đảng viên nộp trực tuyến theo đường dẫn thanh toán hoặc nộp tiền mặt cho chi bộ.",
                        detailFields: ["amountDueVND", "creditAppliedVND", "amountToPayVND", "months", "checkoutUrl"]),
        TimelineHandler(messageType: .paymentFailed, status: nil, summary: "Giao dịch thanh toán không thành công; có thể thanh toán lại.",
                        detailFields: ["responseCode", "reason"]),
        // No status of its own: the route's next event sets it (a withdrawn dossier stays withdrawn).
        TimelineHandler(messageType: .paymentCompleted, status: nil, summary: "Đã nộp tiền; chi bộ ghi nhận và cấp biên lai.",
                        detailFields: ["amountVND", "channel", "months", "creditBalanceVND"]),
        TimelineHandler(messageType: .dossierDecided, status: .decided, summary: "Hồ sơ đã có quyết định giải quyết.",
                        detailFields: ["decision", "reason", "decidingOrganisationCode"]),
        TimelineHandler(messageType: .dossierWithdrawn, status: .withdrawn, summary: "Hồ sơ đã được rút.", detailFields: ["reason"]),
        TimelineHandler(messageType: .resultIssued, status: .resultIssued, summary: "Kết quả giải quyết đã được cấp.",
                        detailFields: ["resultCode", "documentTypeCode", "decision"]),
        TimelineHandler(messageType: .resultRevoked, status: .resultRevoked, summary: "Kết quả giải quyết đã bị thu hồi.",
                        detailFields: ["resultCode", "reason"]),
        TimelineHandler(messageType: .temporaryTransferExtensionPending, status: nil,
                        summary: "Đề nghị gia hạn sinh hoạt đảng tạm thời đã được chuyển đến cấp ủy nơi sinh hoạt tạm thời.",
                        detailFields: ["months", "proposedEndsOn"]),
        TimelineHandler(messageType: .temporaryTransferExtensionRefused, status: nil,
                        summary: "Đề nghị gia hạn sinh hoạt đảng tạm thời không được chấp nhận.",
                        detailFields: ["refusalCode", "refusal"]),
        TimelineHandler(messageType: .temporaryTransferExtended, status: nil,
                        summary: "Sinh hoạt đảng tạm thời được gia hạn.", detailFields: ["endsOn"]),
    ]
}
