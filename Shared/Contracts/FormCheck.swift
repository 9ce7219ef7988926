import Foundation

extension ProcedureVersion.Form {
    /// Problems of a filled form against this form: the current version (Đ.29.3), required fields,
    /// length, pattern and allowed values. `registryFillsEmpty`: fields the member registry knows
    /// may be left empty (intake's check; validation fills them before judging).
    public func problems(in values: [String: String], formVersion: String?, registryFillsEmpty: Bool) -> [Problem] {
        var problems: [Problem] = []
        if let formVersion, formVersion != version {
            problems.append(Problem(code: "form-version-outdated", path: "$.data.formVersion",
                                    message: "Mẫu tờ khai phiên bản \(formVersion) không còn hiệu lực; hãy dùng mẫu \(code) phiên bản \(version)."))
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
            if invalid {
                problems.append(Problem(code: "invalid-value", path: path, message: "\(field.label) không đúng quy định của tờ khai \(code)."))
            }
        }
        return problems
    }
}
