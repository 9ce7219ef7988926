import Foundation

/// Each party organisation's working calendar: the public holidays of the country with the
/// organisation's own office sessions (data: `OfficeHours/office-hours.json`).
public struct OfficeCalendars: Sendable {
    struct OfficeHoursFile: Decodable {
        let `default`: [[String]]
        let byOrganisationPrefix: [String: [[String]]]
    }

    public let standard: WorkingCalendar
    /// Organisation-code prefixes and their calendars, longest prefix first.
    private let overrides: [(prefix: String, calendar: WorkingCalendar)]

    public init(standard: WorkingCalendar, overrides: [String: [WorkingCalendar.Session]] = [:]) {
        self.standard = standard
        self.overrides = overrides.map { ($0.key, standard.with(sessions: $0.value)) }
            .sorted { $0.prefix.count > $1.prefix.count }
    }

    /// The bundled holidays and office hours.
    public static func bundled() throws -> OfficeCalendars {
        let holidays = try WorkingCalendar.bundled()
        let url = Bundle.module.url(forResource: "OfficeHours", withExtension: nil)!.appendingPathComponent("office-hours.json")
        let file = try JSONDecoder().decode(OfficeHoursFile.self, from: Data(contentsOf: url))
        func sessions(_ pairs: [[String]]) -> [WorkingCalendar.Session] {
            pairs.filter { $0.count == 2 }.map { WorkingCalendar.Session($0[0], $0[1]) }
        }
        return OfficeCalendars(standard: holidays.with(sessions: sessions(file.default)),
                               overrides: file.byOrganisationPrefix.mapValues(sessions))
    }

    public func calendar(for organisationCode: String) -> WorkingCalendar {
        overrides.first { organisationCode.hasPrefix($0.prefix) }?.calendar ?? standard
    }

    /// The calendar of an organisation whose record states its own office hours (giờ làm việc,
    /// `["07:00-11:00", "13:30-17:00"]`): the country's days off with those sessions. Without
    /// usable hours in the record, the bundled hours for its code.
    public func calendar(for organisationCode: String, officeHours: [String]?) -> WorkingCalendar {
        let sessions = (officeHours ?? []).compactMap(WorkingCalendar.Session.init(range:))
        guard !sessions.isEmpty, sessions.count == officeHours?.count else { return calendar(for: organisationCode) }
        return standard.with(sessions: sessions)
    }
}
