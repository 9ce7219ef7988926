import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

/// Notices to party organisations (tổ chức đảng) about the steps they must handle: assigned,
/// reminded before the deadline, overdue (also to the superior it was escalated to), and a
/// temporary transfer's extension and end (to both organisations). One notice per event and organisation; a
/// batch of events is one statement.
struct OrganisationNoticeHandler<Payload: Codable & Sendable>: BatchMessageHandler {
    let tables = ["notices"]
    let messageType: MessageType
    /// The dossier code (none for a notice about dues), the organisations told and the text.
    let render: @Sendable (Payload) -> (dossierCode: String?, organisations: [String], text: String)
    /// One row per (message id, organisation), ON CONFLICT DO NOTHING: no inbox row needed.
    var idempotentByMessageId: Bool { true }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        var ids: [String] = [], codes: [String?] = [], organisations: [String] = [], texts: [String] = []
        for message in batch {
            let notice = render(try message.decode(Payload.self).data)
            for organisation in Set(notice.organisations).sorted() {
                ids.append(message.id)
                codes.append(notice.dossierCode)
                organisations.append(organisation)
                texts.append(notice.text)
            }
        }
        guard !ids.isEmpty else { return }
        try context.db.executeDeferred("""
            INSERT INTO notices (source_message_id, source_type, dossier_code, recipient_kind, recipient_id, text)
            SELECT id, $2, dossier, 'organisation', organisation, text
            FROM unnest($1::text[], $3::text[], $4::text[], $5::text[]) AS t(id, dossier, organisation, text)
            ON CONFLICT (source_message_id, recipient_kind, recipient_id) DO NOTHING
            """, [PostgresArray(ids), messageType.routingKey, PostgresArray(codes), PostgresArray(organisations),
                  PostgresArray(texts)])
    }
}

enum OrganisationNoticeHandlers {
    static let all: [any MessageHandler] = [
        // The public timeline says the receiving organisation was reminded (Đ.14.3): this is the reminder.
        OrganisationNoticeHandler<DossierCheckOverdueV1>(messageType: .dossierCheckOverdue) {
            ($0.dossierCode, [$0.receivingOrganisationCode],
             "Hồ sơ \($0.dossierCode) đã quá hạn kiểm tra (hạn \(VietnamTime.display($0.deadline))); đề nghị kiểm tra, trả lời ngay cho người nộp.")
        },
        OrganisationNoticeHandler<DossierStepAssignedV1>(messageType: .dossierStepAssigned) {
            ($0.dossierCode, [$0.organisationCode],
             "Hồ sơ \($0.dossierCode) được chuyển đến để xử lý (bước \($0.stepNumber)); hạn xử lý \(VietnamTime.display($0.deadline)).")
        },
        OrganisationNoticeHandler<DossierStepReminderV1>(messageType: .dossierStepReminder) {
            ($0.dossierCode, [$0.organisationCode],
             "Nhắc việc: hồ sơ \($0.dossierCode) (bước \($0.stepNumber)) sắp đến hạn xử lý lúc \(VietnamTime.display($0.deadline)).")
        },
        OrganisationNoticeHandler<DossierStepOverdueV1>(messageType: .dossierStepOverdue) { overdue in
            (overdue.dossierCode, [overdue.organisationCode] + [overdue.escalatedToOrganisationCode].compactMap { $0 },
             "Hồ sơ \(overdue.dossierCode) (bước \(overdue.stepNumber), tổ chức \(overdue.organisationCode)) đã quá hạn xử lý "
                + "từ \(VietnamTime.display(overdue.deadline))"
                + (overdue.escalatedToOrganisationCode.map { "; đã báo cáo cấp ủy cấp trên \($0)." } ?? "."))
        },
        OrganisationNoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferEnding) {
            ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode],
             "Thời hạn sinh hoạt đảng tạm thời của đảng viên \($0.memberId) (hồ sơ \($0.dossierCode)) kết thúc ngày \($0.endsOn).")
        },
        // The official organisation keeps the member on its list: it is told of every extension.
        OrganisationNoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferExtended) {
            ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode],
             "Sinh hoạt đảng tạm thời của đảng viên \($0.memberId) (hồ sơ \($0.dossierCode)) tại tổ chức \($0.temporaryOrganisationCode) được gia hạn đến hết ngày \($0.endsOn)"
                + ($0.reason.map { "; lý do: \($0.trimmingCharacters(in: CharacterSet(charactersIn: ". ")))." } ?? "."))
        },
        // The member asks the temporary committee and informs the official one (DOMAIN §12).
        OrganisationNoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionPending) {
            ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode],
             "Đảng viên \($0.memberId) (hồ sơ \($0.dossierCode)) đề nghị gia hạn sinh hoạt đảng tạm thời tại tổ chức \($0.temporaryOrganisationCode) thêm \($0.months) tháng, đến hết ngày \($0.proposedEndsOn); lý do: \($0.reason.trimmingCharacters(in: CharacterSet(charactersIn: ". "))). Cấp ủy tổ chức \($0.temporaryOrganisationCode) xem xét, quyết định.")
        },
        OrganisationNoticeHandler<TemporaryTransferExtensionV1>(messageType: .temporaryTransferExtensionRefused) {
            ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode],
             "Đề nghị gia hạn sinh hoạt đảng tạm thời của đảng viên \($0.memberId) (hồ sơ \($0.dossierCode)) không được chấp nhận; lý do: \($0.refusal ?? "không nêu"). Thời hạn vẫn đến hết ngày \($0.endsOn).")
        },
        OrganisationNoticeHandler<ResultRevokedV1>(messageType: .resultRevoked) {
            ($0.dossierCode, [$0.revokingOrganisationCode],
             "Đã thu hồi kết quả \($0.resultCode) (hồ sơ \($0.dossierCode)) lúc \(VietnamTime.display($0.revokedAt)); lý do: \($0.reason).")
        },
        // The level above sees each remittance arrive (Quy định 01-QĐ/TW: each level keeps its share, remits the rest).
        OrganisationNoticeHandler<DuesRemittedV1>(messageType: .duesRemitted) { remitted in
            (nil, [remitted.parentOrganisationCode].compactMap { $0 },
             "Tổ chức \(remitted.organisationCode) đã quyết toán đảng phí tháng \(remitted.month.display): thu \(remitted.baseVND) đồng, "
                + "trích giữ lại \(remitted.keptPercent)% (\(remitted.keptVND) đồng), nộp lên \(remitted.remittedVND) đồng.")
        },
        // Not paying for 3 months in a year without reason lets the chi bộ propose removal (DOMAIN §12 (3)).
        OrganisationNoticeHandler<DuesArrearsReportedV1>(messageType: .duesArrearsReported) { report in
            (nil, [report.organisationCode],
             "Đảng viên chưa đóng đảng phí từ \(report.arrearsMonthsToReport) tháng trở lên trong năm \(report.year) (tính đến tháng \(report.throughMonth.display)): "
                + report.members.map { "\($0.memberId) (\($0.unpaidMonths.map(\.display).joined(separator: ", ")))" }.joined(separator: "; ")
                + ". Chi bộ xem xét, đề nghị xóa tên nếu không có lý do chính đáng.")
        },
        OrganisationNoticeHandler<TemporaryTransferV1>(messageType: .temporaryTransferClosed) {
            ($0.dossierCode, [$0.officialOrganisationCode, $0.temporaryOrganisationCode],
             "Đã kết thúc sinh hoạt đảng tạm thời của đảng viên \($0.memberId) (hồ sơ \($0.dossierCode)); đảng viên trở về tổ chức \($0.officialOrganisationCode).")
        },
    ]
}
