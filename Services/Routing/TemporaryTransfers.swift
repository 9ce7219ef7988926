import Calendar
import Contracts
import Foundation
import Persistence
import ServiceKit

/// Temporary transfers in force (procedure 2, DOMAIN §12): the system knows when each ends,
/// reminds both organisations before the end, takes extensions within the allowed period, and
/// closes the transfer at its end (the member returns to the official organisation, which kept
/// them on its list all along).
struct TemporaryTransfers: Sendable {
    let desk: RouteDesk

    struct Payload: Codable, Sendable {
        let dossierCode: String
    }

    /// `temporary_transfers.status`: in force, or over (the member is back with the official organisation).
    enum Status: String, Sendable {
        case active, closed
    }

    /// After the receiving cell accepted the member: the period starts today.
    func open(_ code: String, accepted: DossierAcceptedV1, from official: String, to temporary: String,
              procedure: ProcedureVersion, cause: IncomingMessage?, context: HandlerContext) throws {
        let form = accepted.form ?? [:]
        let months = Int(form["thoiHanThang"] ?? "") ?? 0
        let startsOn = VietnamTime.dayString(context.now)
        let endsOn = Self.lastDay(from: startsOn, months: months)
        try context.db.execute("""
            INSERT INTO temporary_transfers (dossier_code, member_id, official_organisation_code, temporary_organisation_code,
                                             purpose, starts_on, ends_on)
            VALUES ($1, $2, $3, $4, $5, $6::date, $7::date) ON CONFLICT (dossier_code) DO NOTHING
            """, [code, accepted.submitter.memberId, official, temporary, form["mucDich"] ?? "lam-viec",
                  startsOn, endsOn])
        try schedule(code, endsOn: endsOn, procedure: procedure, context: context)
        try context.emit(.memberTransferred, subject: accepted.submitter.memberId, data: MemberTransferredV1(
            memberId: accepted.submitter.memberId, dossierCode: code, kind: .temporary,
            fromOrganisationCode: official, toOrganisationCode: temporary, until: endsOn, transferredAt: context.now),
            causedBy: cause)
    }

    /// The reminder N working days before the end (08:00), and the close at the start of the next day.
    func schedule(_ code: String, endsOn: String, procedure: ProcedureVersion?, context: HandlerContext) throws {
        guard let lastDay = VietnamTime.startOfDay(endsOn) else { return }
        let calendar = desk.calendars.standard
        var remindDay = lastDay
        var counted = 0
        let before = procedure?.remindBeforeEndWorkingDays ?? 10
        while counted < before {
            remindDay = remindDay.addingTimeInterval(-86_400)
            // Beyond the bundled holiday years, weekdays count.
            let working = (try? calendar.isWorkingDay(remindDay))
                ?? !VietnamTime.calendar.isDateInWeekend(remindDay)
            if working { counted += 1 }
        }
        let payload = Payload(dossierCode: code)
        try Timers.schedule(kind: RouteDesk.temporaryEndingTimer, key: code, dueAt: remindDay.addingTimeInterval(8 * 3600),
                            payload: payload, in: context)
        try Timers.schedule(kind: RouteDesk.temporaryCloseTimer, key: code, dueAt: lastDay.addingTimeInterval(86_400),
                            payload: payload, in: context)
    }

    /// `yyyy-MM-dd` of the last day of a period of `months` starting on `start`.
    static func lastDay(from start: String, months: Int) -> String {
        guard let first = VietnamTime.startOfDay(start),
              let end = VietnamTime.calendar.date(byAdding: .month, value: months, to: first) else { return start }
        return VietnamTime.dayString(end.addingTimeInterval(-86_400))
    }

    /// A transfer as it stands, locked for the transaction.
    typealias Current = (record: TemporaryTransferV1, status: Status, startsOn: String, purpose: String)

    func transfer(_ code: String, db: PostgresConnection) throws -> Current? {
        guard let row = try db.execute("""
            SELECT member_id, official_organisation_code, temporary_organisation_code, purpose, status,
                   to_char(starts_on, 'YYYY-MM-DD') AS starts_on, to_char(ends_on, 'YYYY-MM-DD') AS ends_on
            FROM temporary_transfers WHERE dossier_code = $1 FOR UPDATE
            """, [code]).first else { return nil }
        return (TemporaryTransferV1(dossierCode: code, memberId: try row.string("member_id"),
                                    officialOrganisationCode: try row.string("official_organisation_code"),
                                    temporaryOrganisationCode: try row.string("temporary_organisation_code"),
                                    endsOn: try row.string("ends_on"), reason: nil, at: Date()),
                try row.value(Status.self, "status"), try row.string("starts_on"), try row.string("purpose"))
    }

    /// Extends an active transfer by `months` (a granted request); the whole period must stay
    /// within the catalog's maximum for its purpose. Returns the refusal otherwise.
    func extend(_ code: String, months: Int, reason: String, cause: IncomingMessage? = nil,
                context: HandlerContext) throws -> Result<TemporaryTransferV1, ExtensionRefusal> {
        guard let current = try transfer(code, db: context.db), current.status == .active else { return .failure(.notActive) }
        let newEnd: String
        switch proposedEnd(of: current, months: months, at: context.now) {
        case let .success(end): newEnd = end
        case let .failure(refusal): return .failure(refusal)
        }
        let procedure = desk.catalog.procedure(ProcedureCode.temporaryTransfer, at: context.now)
        try context.db.execute("""
            UPDATE temporary_transfers SET ends_on = $2::date, extensions = extensions + 1 WHERE dossier_code = $1
            """, [code, newEnd])
        try schedule(code, endsOn: newEnd, procedure: procedure, context: context)
        var record = current.record
        record.endsOn = newEnd
        record.reason = reason
        record.at = context.now
        try context.emit(.temporaryTransferExtended, subject: code, data: record, causedBy: cause)
        return .success(record)
    }

    /// The last day after `months` more (the day after the current end, plus months, less a
    /// day), or why it cannot be: beyond the catalog's maximum period for the transfer's purpose.
    func proposedEnd(of current: Current, months: Int, at now: Date) -> Result<String, ExtensionRefusal> {
        guard months > 0 else { return .failure(.beyondAllowedPeriod(0)) }
        let nextDay = VietnamTime.startOfDay(current.record.endsOn).map { VietnamTime.dayString($0.addingTimeInterval(86_400)) }
            ?? current.record.endsOn
        let newEnd = Self.lastDay(from: nextDay, months: months)
        if let periods = desk.catalog.procedure(ProcedureCode.temporaryTransfer, at: now)?.temporaryPeriod {
            let range = current.purpose == "hoc-tap" ? periods.study : periods.work
            guard newEnd <= Self.lastDay(from: current.startsOn, months: range.maxMonths) else {
                return .failure(.beyondAllowedPeriod(range.maxMonths))
            }
        }
        return .success(newEnd)
    }

    enum ExtensionRefusal: Error, Equatable {
        case notActive
        case beyondAllowedPeriod(Int)
        case alreadyRequested

        /// Why, as `temporary-transfer.extension-refused.v1` carries it (code and Vietnamese text).
        var problem: Problem {
            switch self {
            case .notActive:
                Problem(code: "not-active", path: "$.data.dossierCode",
                        message: "Việc sinh hoạt đảng tạm thời đã kết thúc nên không thể gia hạn.")
            case let .beyondAllowedPeriod(max):
                Problem(code: "beyond-allowed-period", path: "$.data.months",
                        message: "Tổng thời hạn sinh hoạt tạm thời không được quá \(max) tháng.")
            case .alreadyRequested:
                Problem(code: "extension-already-requested", path: "$.data.dossierCode",
                        message: "Đã có một đề nghị gia hạn đang chờ cấp ủy nơi sinh hoạt tạm thời quyết định.")
            }
        }
    }
}

/// 08:00, N working days before the end: both organisations are reminded.
struct TemporaryEndingTimer: TimerHandler {
    let keyNamesDossier = true
    let transfers: TemporaryTransfers
    var kind: String { RouteDesk.temporaryEndingTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let code = try timer.decode(TemporaryTransfers.Payload.self).dossierCode
        guard let current = try transfers.transfer(code, db: context.db), current.status == .active else { return }
        var record = current.record
        record.at = context.now
        try context.emit(.temporaryTransferEnding, subject: code, data: record)
    }
}

/// The day after the last day: the temporary transfer is closed (a waiting extension request with it).
struct TemporaryCloseTimer: TimerHandler {
    let keyNamesDossier = true
    let transfers: TemporaryTransfers
    var kind: String { RouteDesk.temporaryCloseTimer }

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let code = try timer.decode(TemporaryTransfers.Payload.self).dossierCode
        guard let current = try transfers.transfer(code, db: context.db), current.status == .active else { return }
        try context.db.execute("UPDATE temporary_transfers SET status = $3, closed_at = $2::timestamptz WHERE dossier_code = $1",
                               [code, context.now, TemporaryTransfers.Status.closed.rawValue])
        // A request still waiting for the committee can no longer be granted: the member is told.
        try ExtensionRequests(transfers: transfers).refuseWaiting(code, current.record, because: .notActive, context: context)
        var record = current.record
        record.at = context.now
        try context.emit(.temporaryTransferClosed, subject: code, data: record)
    }
}
