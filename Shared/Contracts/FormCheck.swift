import Foundation

extension ProcedureVersion.Form {
    /// Problems of a filled form against this form: the current version (Đ.29.3), required fields,
    /// length, pattern and allowed values. `registryFillsEmpty`: fields the member registry knows
    /// may be left empty (intake's check; validation fills them before judging).
    public func problems(in values: [String: String], formVersion: String?, registryFillsEmpty: Bool) -> [Problem] {
        var problems: [Problem] = []
        if let formVersion, formVersion != version {
            problems.append(Problem(code: "form-version-outdated", path: "$.data.formVersion",
                                    message: "Mẫu tờ khai phiên bản \(WireText.quote(formVersion)) không còn hiệu lực; hãy dùng mẫu \(code) phiên bản \(version)."))
        }
        for field in fields {
            let path = "$.data.form.\(field.name)"
            let value = values[field.name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if value.isEmpty {
                if field.required, !(registryFillsEmpty && field.registry != nil) {
                    problems.append(Problem(code: "required", path: path, message: "Thiếu \(field.label) trong tờ khai \(code)."))
                }
                continue
            }
            let invalid = (field.maxLength.map { value.count > $0 } ?? false)
                || (field.pattern.map { value.range(of: $0, options: .regularExpression) == nil } ?? false)
                || (field.allowedValues.map { !$0.contains(value) } ?? false)
                || (field.type == "date" && CalendarDate(value) == nil)
                || (field.type == "integer" && Int32(value) == nil)
            if invalid {
                problems.append(Problem(code: "invalid-value", path: path, message: "\(field.label) không đúng quy định của tờ khai \(code)."))
            }
        }
        return problems
    }
}

/// A day of the calendar written `YYYY-MM-DD` that exists (no 2026-02-30, no 9999-99-99), within
/// the years the wire accepts.
public struct CalendarDate: Sendable, Equatable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              WireText.years.contains(year), (1...12).contains(month) else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }
}
