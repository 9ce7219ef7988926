import Foundation
import XCTest

/// Issue 15: every lunar date named in the holiday data (`Shared/Calendar/Holidays/*.json`) is the
/// lunar date of its day. The table below holds the first day of each lunar month concerned, in
/// Vietnam's time (UTC+7), from the lunar calendar (Hồ Ngọc Đức's Vietnamese calendar; the same
/// days as the `lunardate` tables for these months: no new moon falls between 23:00 and 24:00
/// Vietnam time in them).
final class LunarLabelTests: XCTestCase {
    /// (lunar year of the month, month, its first day).
    static let monthStarts: [(year: Int, month: Int, first: String)] = [
        (2025, 12, "2026-01-19"), (2026, 1, "2026-02-17"), (2026, 2, "2026-03-19"), (2026, 3, "2026-04-17"),
        (2026, 12, "2027-01-08"), (2027, 1, "2027-02-06"), (2027, 2, "2027-03-08"), (2027, 3, "2027-04-07"),
    ]

    static func day(_ text: String) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!
        let parts = text.split(separator: "-").map { Int($0)! }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))!
    }

    /// The lunar (month, day) of a Gregorian day, from the table.
    static func lunar(_ text: String) -> (month: Int, day: Int)? {
        let date = day(text)
        guard let start = monthStarts.last(where: { day($0.first) <= date }) else { return nil }
        let days = Int((date.timeIntervalSince(day(start.first)) / 86_400).rounded()) + 1
        return days <= 30 ? (start.month, days) : nil
    }

    struct Holidays: Decodable {
        struct DayOff: Decodable { let date: String; let name: String }
        let year: Int
        let daysOff: [DayOff]
    }

    func testEveryLunarLabelIsTheLunarDateOfItsDay() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Shared/Calendar/Holidays")
        var checked = 0
        for year in [2026, 2027] {
            let data = try Data(contentsOf: folder.appendingPathComponent("\(year).json"))
            for dayOff in try JSONDecoder().decode(Holidays.self, from: data).daysOff {
                let name = dayOff.name
                // "(29 tháng Chạp)", "(mùng 3)", "(10/3 âm lịch)"; a compensatory day off names the
                // day it replaces ("nghỉ bù mùng 1") or that day's Gregorian date ("… rơi vào Chủ nhật 26/4").
                var expected: (month: Int, day: Int)?
                var on = dayOff.date
                if let match = name.firstMatch(of: /\((\d+) tháng Chạp[,)]/) { expected = (12, Int(match.1)!) }
                if let match = name.firstMatch(of: /\(mùng (\d+)\)/) { expected = (1, Int(match.1)!) }
                if let match = name.firstMatch(of: /(\d+)\/(\d+) âm lịch/) { expected = (Int(match.2)!, Int(match.1)!) }
                if let match = name.firstMatch(of: /rơi vào [^0-9]*(\d+)\/(\d+)/) {
                    on = String(format: "%04d-%02d-%02d", year, Int(match.2)!, Int(match.1)!)
                }
                guard let expected, !name.contains("nghỉ bù mùng") else { continue }
                let actual = try XCTUnwrap(Self.lunar(on), "\(on) is outside the table")
                XCTAssertTrue(actual == expected, "\(dayOff.date) \(name): \(on) is \(actual.day)/\(actual.month) âm lịch")
                checked += 1
            }
        }
        XCTAssertEqual(checked, 10, "every labelled day of 2026–2027 checked")
    }
}
