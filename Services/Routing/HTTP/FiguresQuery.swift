import Calendar
import Contracts
import Foundation
import Hummingbird
import ServiceKit

/// What an evaluation-figures request asks (Đ.37.2): a period of Vietnam days (`from`, `to`, both
/// included, `YYYY-MM-DD`) and the format (`format=json`, the default, or `csv` for spreadsheets).
struct FiguresQuery: Sendable {
    let from: Date?
    /// The day after `to`: the period's end, excluded.
    let until: Date?
    let csv: Bool
    /// nil, or what is wrong with the query (answered 400 after the caller is authenticated).
    let problem: (code: String, message: String)?

    init(_ request: Request) {
        let parameters = request.uri.queryParameters
        let from = parameters.get("from").map { String($0) }, to = parameters.get("to").map { String($0) }
        let format = parameters.get("format").map { String($0) } ?? "json"
        let fromDay = from.flatMap(VietnamTime.startOfDay), toDay = to.flatMap(VietnamTime.startOfDay)
        self.from = fromDay
        until = toDay.map { $0.addingTimeInterval(86_400) }
        csv = format == "csv"
        // A real day (2026-13-40 would roll over), within the wire's years.
        func valid(_ text: String?, _ day: Date?) -> Bool {
            guard let text else { return true }
            guard let day else { return false }
            return WireText.timeRange.contains(day) && VietnamTime.dayString(day) == text
        }
        if !valid(from, fromDay) || !valid(to, toDay) {
            problem = ("invalid-period", "from và to là ngày dạng YYYY-MM-DD.")
        } else if !["json", "csv"].contains(format) {
            problem = ("invalid-format", "format là json hoặc csv.")
        } else {
            problem = nil
        }
    }

    /// The figures as JSON, or as CSV: a header of `columns` and one line of their values.
    func answer<Figures: Encodable>(_ figures: Figures, columns: [String]) throws -> HTTPAnswer {
        guard csv else { return try HTTPAnswer.json(.ok, figures) }
        let object = try JSONSerialization.jsonObject(with: Data(WireJSON.encode(figures))) as? [String: Any] ?? [:]
        return Self.csv(columns, [object])
    }

    /// Rows as JSON (`{"entries": [...]}`), or as CSV: a header of `columns` and a line per row of
    /// the row's `cells` (as text: `true`/`false`, not Foundation's 1/0).
    func answer<Row: Encodable>(rows: [Row], columns: [String], cells: (Row) -> [String?]) throws -> HTTPAnswer {
        guard csv else { return try HTTPAnswer.json(.ok, ["entries": rows]) }
        return Self.csv(columns, rows.map { row in Dictionary(uniqueKeysWithValues: zip(columns, cells(row).map { $0.map { $0 as Any } ?? NSNull() })) })
    }

    private static func csv(_ columns: [String], _ objects: [[String: Any]]) -> HTTPAnswer {
        let lines = objects.map { object in
            columns.map { column -> String in
                // `group.name`: a figure of a group of figures (PAKN's under `feedback`).
                let path = column.split(separator: ".").map(String.init)
                let group = path.count == 2 ? object[path[0]] as? [String: Any] : object
                guard let value = group?[path.last!], !(value is NSNull) else { return "" }
                let text = "\(value)"
                return text.contains(",") || text.contains("\"") || text.contains("\n")
                    ? "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"" : text
            }.joined(separator: ",")
        }
        return HTTPAnswer.file(Array(([columns.joined(separator: ",")] + lines).map { $0 + "\r\n" }.joined().utf8),
                               mediaType: "text/csv; charset=utf-8")
    }
}
