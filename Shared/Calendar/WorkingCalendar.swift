import Foundation

/// Working time (giờ làm việc, ngày làm việc) of a party organisation, in Vietnam time (UTC+7):
/// office sessions per day, weekends, and public holidays loaded per year as data (DOMAIN §12).
public struct WorkingCalendar: Sendable {
    /// One office session, in minutes from midnight, e.g. 07:30–11:30.
    public struct Session: Sendable, Codable, Equatable {
        public let start: Int
        public let end: Int
        public init(_ start: String, _ end: String) {
            self.start = Self.minutes(start)
            self.end = Self.minutes(end)
        }

        /// A session written `HH:mm-HH:mm` as organisation records carry it; nil when malformed
        /// or empty, so a bad record falls back to the standard hours instead of a zero-length day.
        public init?(range: String) {
            let ends = range.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard ends.count == 2, ends.allSatisfy({ Self.isClockTime($0) }) else { return nil }
            self.init(ends[0], ends[1])
            guard start < end, end <= 24 * 60 else { return nil }
        }

        static func isClockTime(_ text: String) -> Bool {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]) else { return false }
            return (0...24).contains(h) && (0..<60).contains(m)
        }

        static func minutes(_ hhmm: String) -> Int {
            let parts = hhmm.split(separator: ":").compactMap { Int($0) }
            return parts[0] * 60 + (parts.count > 1 ? parts[1] : 0)
        }
    }

    /// One year of public holidays (ngày nghỉ lễ, Tết) and swapped working Saturdays.
    public struct HolidayYear: Sendable, Codable {
        public struct DayOff: Sendable, Codable {
            public let date: String
            public let name: String
        }

        public let year: Int
        public let source: String?
        public let daysOff: [DayOff]
        public let workingSaturdays: [String]
    }

    public enum CalendarError: Error, CustomStringConvertible {
        case yearNotCovered(Int)
        public var description: String {
            switch self {
            case .yearNotCovered(let y): "no public holiday data for \(y): add Shared/Calendar/Holidays/\(y).json"
            }
        }
    }

    /// Standard state office hours (DOMAIN §12): 07:30–11:30 and 13:00–17:00, Monday to Friday.
    public static let standardSessions = [Session("07:30", "11:30"), Session("13:00", "17:00")]

    public let sessions: [Session]
    /// Days as `yyyymmdd` numbers: deadline arithmetic asks per day, so no string formatting there.
    private let daysOff: Set<Int>
    private let workingSaturdays: Set<Int>
    public let years: ClosedRange<Int>

    public init(sessions: [Session] = WorkingCalendar.standardSessions, holidays: [HolidayYear]) {
        self.sessions = sessions.sorted { $0.start < $1.start }
        self.daysOff = Set(holidays.flatMap { $0.daysOff.compactMap { Self.dayNumber($0.date) } })
        self.workingSaturdays = Set(holidays.flatMap { $0.workingSaturdays.compactMap(Self.dayNumber) })
        let covered = holidays.map(\.year)
        self.years = (covered.min() ?? 0)...(covered.max() ?? 0)
    }

    private init(sessions: [Session], daysOff: Set<Int>, workingSaturdays: Set<Int>, years: ClosedRange<Int>) {
        self.sessions = sessions.sorted { $0.start < $1.start }
        self.daysOff = daysOff
        self.workingSaturdays = workingSaturdays
        self.years = years
    }

    /// The same days off with other office sessions (an organisation's own hours).
    public func with(sessions: [Session]) -> WorkingCalendar {
        WorkingCalendar(sessions: sessions, daysOff: daysOff, workingSaturdays: workingSaturdays, years: years)
    }

    /// The calendar with the holiday files shipped in `Shared/Calendar/Holidays`.
    public static func bundled(sessions: [Session] = WorkingCalendar.standardSessions) throws -> WorkingCalendar {
        let folder = Bundle.module.url(forResource: "Holidays", withExtension: nil)!
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
        let years = try files.map {
            try JSONDecoder().decode(HolidayYear.self, from: Data(contentsOf: folder.appendingPathComponent($0)))
        }
        return WorkingCalendar(sessions: sessions, holidays: years)
    }

    /// `2026-09-02` → 20260902.
    static func dayNumber(_ isoDate: String) -> Int? {
        Int(isoDate.filter { $0 != "-" })
    }

    /// A working day: Monday–Friday (or a swapped working Saturday) that is not a public holiday.
    public func isWorkingDay(_ date: Date) throws -> Bool {
        let c = VietnamTime.calendar.dateComponents([.year, .month, .day, .weekday], from: date)
        let year = c.year!
        guard years.contains(year) else { throw CalendarError.yearNotCovered(year) }
        let key = year * 10_000 + c.month! * 100 + c.day!
        if daysOff.contains(key) { return false }
        let weekday = c.weekday!  // 1 = Sunday, 7 = Saturday
        if weekday == 7 { return workingSaturdays.contains(key) }
        return weekday != 1
    }

    private func startOfDay(_ date: Date) -> Date { VietnamTime.calendar.startOfDay(for: date) }

    private func minuteOfDay(_ date: Date) -> Double { date.timeIntervalSince(startOfDay(date)) / 60 }

    /// The official receipt time (Đ.14.1): the arrival itself inside a working session,
    /// otherwise the start of the next working session.
    public func officialReceiptTime(for arrival: Date) throws -> Date {
        var day = startOfDay(arrival)
        var minute = minuteOfDay(arrival)
        for _ in 0..<60 {
            if try isWorkingDay(day) {
                for session in sessions {
                    if minute < Double(session.start) { return day.addingTimeInterval(Double(session.start) * 60) }
                    if minute < Double(session.end) { return day.addingTimeInterval(minute * 60) }
                }
            }
            day = VietnamTime.calendar.date(byAdding: .day, value: 1, to: day)!
            minute = 0
        }
        throw CalendarError.yearNotCovered(VietnamTime.calendar.component(.year, from: day))
    }

    /// The instant `hours` working hours after `start` (e.g. the 8-working-hour limit of Đ.14.3).
    public func adding(workingHours hours: Double, to start: Date) throws -> Date {
        var remaining = hours * 60
        var current = try officialReceiptTime(for: start)
        while true {
            let day = startOfDay(current)
            let minute = minuteOfDay(current)
            if try isWorkingDay(day) {
                for session in sessions where minute < Double(session.end) {
                    let from = max(minute, Double(session.start))
                    let available = Double(session.end) - from
                    if remaining <= available { return day.addingTimeInterval((from + remaining) * 60) }
                    remaining -= available
                }
            }
            current = try officialReceiptTime(for: VietnamTime.calendar.date(byAdding: .day, value: 1, to: day)!)
        }
    }

    /// The working hours between two instants (how long a step took in office time, Đ.37.2): the
    /// overlap of [start, end) with the working sessions of every working day between; 0 when
    /// `end` is not after `start`.
    public func workingHours(from start: Date, to end: Date) throws -> Double {
        guard end > start else { return 0 }
        var minutes = 0.0
        var day = startOfDay(start)
        while day < end {
            if try isWorkingDay(day) {
                for session in sessions {
                    let open = day.addingTimeInterval(Double(session.start) * 60), close = day.addingTimeInterval(Double(session.end) * 60)
                    let overlap = min(close, end).timeIntervalSince(max(open, start))
                    if overlap > 0 { minutes += overlap / 60 }
                }
            }
            day = VietnamTime.calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return minutes / 60
    }

    /// The end of the working day `days` working days after `start`'s day (processing limits).
    public func adding(workingDays days: Int, to start: Date) throws -> Date {
        var day = startOfDay(try officialReceiptTime(for: start))
        var counted = 0
        while counted < days {
            day = VietnamTime.calendar.date(byAdding: .day, value: 1, to: day)!
            if try isWorkingDay(day) { counted += 1 }
        }
        return day.addingTimeInterval(Double(sessions.last?.end ?? 17 * 60) * 60)
    }
}
