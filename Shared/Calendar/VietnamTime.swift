import Foundation

/// Vietnam's civil time (UTC+7, no daylight saving): the day a dossier code counts, the hours
/// shown to members, local times in data files and tests.
public enum VietnamTime {
    public static let timeZone = TimeZone(secondsFromGMT: 7 * 3600)!

    public static let calendar: Foundation.Calendar = {
        var calendar = Foundation.Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }()

    /// Year, month, day, hour and minute of the instant in Vietnam.
    public static func components(_ date: Date) -> DateComponents {
        calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    }

    /// `HH:mm dd/MM/yyyy`, as members read times.
    public static func display(_ date: Date) -> String {
        let t = civil(date)
        var out = CivilTime.Text(capacity: 16)
        out.append(t.hour, width: 2, then: ":")
        out.append(t.minute, width: 2, then: " ")
        out.append(t.day, width: 2, then: "/")
        out.append(t.month, width: 2, then: "/")
        out.append(t.year, width: 4)
        return out.string
    }

    /// The instant's civil time in Vietnam.
    public static func civil(_ date: Date) -> CivilTime { CivilTime(date, offsetSeconds: 7 * 3600) }

    /// A local time written `yyyy-MM-dd HH:mm`.
    public static func parse(local text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).compactMap { Int($0) }
        guard parts.count == 5 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2], hour: parts[3],
                                                  minute: parts[4]))
    }

    /// `yyyy-MM-dd`: the Vietnam date of the instant, as forms write dates.
    public static func dayString(_ date: Date) -> String {
        let t = civil(date)
        var out = CivilTime.Text(capacity: 10)
        out.append(t.year, width: 4, then: "-")
        out.append(t.month, width: 2, then: "-")
        out.append(t.day, width: 2)
        return out.string
    }

    /// The start (00:00 Vietnam time) of a `yyyy-MM-dd` date.
    public static func startOfDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, text.count == 10 else { return nil }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }
}
