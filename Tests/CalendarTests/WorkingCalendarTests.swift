import Calendar
import Foundation
import XCTest

final class WorkingCalendarTests: XCTestCase {
    let calendar = try! WorkingCalendar.bundled()

    /// A Vietnam local time, `2026-11-27 18:00`.
    func vn(_ text: String) -> Date { VietnamTime.parse(local: text)! }

    func testVietnamTimeParsesAndDisplaysLocalTime() {
        XCTAssertEqual(VietnamTime.parse(local: "2026-11-27 18:00"), utc("2026-11-27T11:00:00Z"))
        XCTAssertEqual(VietnamTime.display(vn("2027-02-12 07:30")), "07:30 12/02/2027")
    }

    private func utc(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }  // independent of VietnamTime

    func testArrivalWithinOfficeHoursIsTheReceiptTime() throws {
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2026-11-24 09:15")), vn("2026-11-24 09:15"))
    }

    func testLunchBreakMovesToTheAfternoonSession() throws {
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2026-11-24 12:05")), vn("2026-11-24 13:00"))
    }

    func testFridayEveningMovesToMondayMorning() throws {
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2026-11-27 18:00")), vn("2026-11-30 07:30"))
    }

    func testSaturdayMovesToMondayMorning() throws {
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2026-11-28 10:00")), vn("2026-11-30 07:30"))
    }

    func testTet2027MovesPastTheWholeHoliday() throws {
        // Tết Đinh Mùi: 30 Tết is Friday 5/2/2027; offices reopen Friday 12/2 after the compensatory days.
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2027-02-04 17:30")), vn("2027-02-12 07:30"))
        XCTAssertFalse(try calendar.isWorkingDay(vn("2027-02-10 09:00")))
    }

    func testNationalDayMovesToTheNextWorkingDay() throws {
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2026-09-01 10:00")), vn("2026-09-03 07:30"))
        XCTAssertEqual(try calendar.officialReceiptTime(for: vn("2026-09-02 08:00")), vn("2026-09-03 07:30"))
    }

    func testEightWorkingHoursSpanTheWeekend() throws {
        // Friday 14:00 → 3 h on Friday, 4 h Monday morning, 1 h after lunch.
        XCTAssertEqual(try calendar.adding(workingHours: 8, to: vn("2026-11-27 14:00")), vn("2026-11-30 14:00"))
    }

    func testWorkingDaysSkipHolidays() throws {
        // Wednesday 29/4: the next working day skips 30/4, 1/5 and the weekend.
        XCTAssertEqual(try calendar.adding(workingDays: 1, to: vn("2026-04-29 09:00")), vn("2026-05-04 17:00"))
    }

    func testYearsWithoutDataAreAnErrorNotAGuess() {
        XCTAssertThrowsError(try calendar.officialReceiptTime(for: vn("2031-03-01 10:00")))
    }

    /// Office time between two instants (Đ.37.2 durations): sessions 07:30–11:30 and 13:00–17:00.
    func testWorkingHoursBetweenTwoInstantsCountOnlyOfficeSessionsOfWorkingDays() throws {
        XCTAssertEqual(try calendar.workingHours(from: vn("2026-12-01 09:00"), to: vn("2026-12-01 10:30")), 1.5)
        XCTAssertEqual(try calendar.workingHours(from: vn("2026-12-01 11:00"), to: vn("2026-12-01 14:00")), 1.5, "lunch is not counted")
        XCTAssertEqual(try calendar.workingHours(from: vn("2026-12-04 16:00"), to: vn("2026-12-07 08:30")), 2, "Friday 1 h, Monday 1 h")
        XCTAssertEqual(try calendar.workingHours(from: vn("2026-12-31 07:30"), to: vn("2027-01-04 07:30")), 8, "1 January is a holiday")
        XCTAssertEqual(try calendar.workingHours(from: vn("2026-12-05 09:00"), to: vn("2026-12-06 12:00")), 0, "a weekend")
        XCTAssertEqual(try calendar.workingHours(from: vn("2026-12-02 10:00"), to: vn("2026-12-01 10:00")), 0)
        // The inverse of adding working hours.
        let start = vn("2026-12-03 15:20")
        XCTAssertEqual(try calendar.workingHours(from: start, to: try calendar.adding(workingHours: 8, to: start)), 8, accuracy: 1e-9)
    }
}

final class OfficeCalendarsTests: XCTestCase {
    func testAnOrganisationsOwnOfficeHoursDecideItsReceiptTime() throws {
        let calendars = try OfficeCalendars.bundled()
        let lunch = VietnamTime.parse(local: "2026-11-24 13:10")!
        // Standard hours reopen at 13:00; Hồ Chí Minh City's organisations at 13:30 (office-hours.json).
        XCTAssertEqual(try calendars.calendar(for: "HN.CB0101").officialReceiptTime(for: lunch), lunch)
        XCTAssertEqual(try calendars.calendar(for: "HCM.Q1.CB07").officialReceiptTime(for: lunch),
                       VietnamTime.parse(local: "2026-11-24 13:30"))
        // Holidays stay the country's.
        XCTAssertFalse(try calendars.calendar(for: "HCM.Q1.CB07").isWorkingDay(VietnamTime.parse(local: "2026-09-02 09:00")!))
    }

    func testTheHoursInAnOrganisationsRecordWinOverTheBundledOnes() throws {
        let calendars = try OfficeCalendars.bundled()
        let friday = VietnamTime.parse(local: "2026-12-04 10:00")!
        // Mornings only: two working days from Friday end on Tuesday at 11:00, not 17:00.
        let mornings = calendars.calendar(for: "HCM.Q1.CB07", officeHours: ["07:00-11:00"])
        XCTAssertEqual(try mornings.adding(workingDays: 2, to: friday), VietnamTime.parse(local: "2026-12-08 11:00"))
        XCTAssertEqual(try mornings.officialReceiptTime(for: VietnamTime.parse(local: "2026-12-04 12:00")!),
                       VietnamTime.parse(local: "2026-12-07 07:00"))
        // No hours, or a malformed session: the bundled hours for the code (13:30 in Hồ Chí Minh City).
        let lunch = VietnamTime.parse(local: "2026-11-24 13:10")!
        for hours in [nil, [], ["07:30-11:30", "17:00-13:00"], ["7h30-11h30"]] as [[String]?] {
            XCTAssertEqual(try calendars.calendar(for: "HCM.Q1.CB07", officeHours: hours).officialReceiptTime(for: lunch),
                           VietnamTime.parse(local: "2026-11-24 13:30"), "\(String(describing: hours))")
        }
    }
}

final class CivilTimeTests: XCTestCase {
    func testTimestampsAndLocalTextsAreZeroPaddedAndRounded() {
        let date = Date(timeIntervalSince1970: 1_764_547_205.0076)  // 2025-12-01T00:00:05.0076Z
        XCTAssertEqual(Timestamp.format(date), "2025-12-01T00:00:05.008Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: -0.5)), "1969-12-31T23:59:59.500Z")
        XCTAssertEqual(VietnamTime.display(date), "07:00 01/12/2025")
        XCTAssertEqual(VietnamTime.dayString(Date(timeIntervalSince1970: 1_764_522_000)), "2025-12-01")  // 00:00 in Vietnam
        XCTAssertEqual(VietnamTime.dayString(Date(timeIntervalSince1970: 1_764_521_999)), "2025-11-30")
        // Foundation agrees for a spread of instants.
        for seconds in stride(from: 1_700_000_000.0, to: 1_900_000_000.0, by: 7_777_777.123) {
            let instant = Date(timeIntervalSince1970: seconds)
            let c = VietnamTime.components(instant)
            XCTAssertEqual(VietnamTime.display(instant),
                           String(format: "%02d:%02d %02d/%02d/%04d", c.hour!, c.minute!, c.day!, c.month!, c.year!))
        }
    }

}
