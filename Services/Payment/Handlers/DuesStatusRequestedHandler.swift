import Contracts
import Persistence
import ServiceKit

/// `dues.status-requested.v1` (routing, for an introduction letter) → `dues.status-reported.v1`:
/// the last month of the member's unbroken run of paid months, counted from the earliest month
/// recorded (a gap stops the run: that month is owed), and the chi bộ the dues are owed to now.
struct DuesStatusRequestedHandler: MessageHandler {
    let messageType = MessageType.duesStatusRequested

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let request = try message.decode(DuesStatusRequestedV1.self).data
        let months = try context.db.execute("SELECT month FROM dues_months WHERE member_id = $1 ORDER BY month",
                                            [request.memberId]).rows.map { try $0.string("month") }
        try context.emit(.duesStatusReported, subject: request.dossierCode, data: DuesStatusReportedV1(
            dossierCode: request.dossierCode, memberId: request.memberId, paidUpToMonth: Self.paidUpTo(months),
            collectingOrganisationCode: try MemberOrganisationHandler.organisation(of: request.memberId, db: context.db),
            reportedAt: context.now), causedBy: message)
    }

    /// `yyyy-MM` months in order → the last one before the first gap.
    static func paidUpTo(_ months: [String]) -> String? {
        func index(_ month: String) -> Int? {
            let parts = month.split(separator: "-").compactMap { Int($0) }
            return parts.count == 2 ? parts[0] * 12 + parts[1] - 1 : nil
        }
        guard var last = months.first, var previous = index(last) else { return nil }
        for month in months.dropFirst() {
            guard let current = index(month), current == previous + 1 else { break }
            previous = current
            last = month
        }
        return last
    }
}
