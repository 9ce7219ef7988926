import Calendar
import Contracts
import Foundation
import Mustache

/// What a template sees: the event's payload as it came on the wire, plus facts a handler adds
/// (the recipient's name, a yes/no the wording turns on). Lookups of a name the event does not
/// carry and the template does not declare optional are recorded, so a template that refers to a
/// field that is not there fails instead of sending a half-filled text.
final class TemplateView: MustacheParent, @unchecked Sendable {
    private let fields: [String: Any]
    private let optional: Set<String>
    /// Names looked up and missing; only the root records (inner objects let the lookup climb).
    private(set) var missing: [String] = []

    init(payload: JSONValue, facts: [String: JSONValue], optional: Set<String>) {
        var fields: [String: Any] = [:]
        if case .object(let object) = payload {
            for (key, value) in object { fields[key] = Self.node(value) }
        }
        for (key, value) in facts { fields[key] = Self.node(value) }
        self.fields = fields
        self.optional = optional
    }

    func child(named name: String) -> Any? {
        if let value = fields[name] { return value }
        if !optional.contains(name), !missing.contains(name) { missing.append(name) }
        return nil
    }

    /// JSON as template values: objects look up their fields, strings and numbers carry the
    /// transforms below, the items of a list of objects know their position (1, 2, …).
    static func node(_ value: JSONValue) -> Any? {
        switch value {
        case .null: return nil
        case .bool(let flag): return flag
        case .number(let number): return TemplateNumber(value: number)
        case .string(let text): return TemplateText(value: text)
        case .array(let items):
            return items.enumerated().compactMap { index, item -> Any? in
                guard case .object(var object) = item else { return node(item) }
                object["position"] = .number(Double(index + 1))
                return node(.object(object))
            }
        case .object(let object): return TemplateObject(fields: object.compactMapValues { node($0) })
        }
    }
}

/// An object inside the payload (a problem, a member in arrears).
struct TemplateObject: MustacheParent {
    let fields: [String: Any]
    func child(named name: String) -> Any? { fields[name] }
}

/// A text of the payload. Transforms: `time(x)` an instant as members read it (`HH:mm dd/MM/yyyy`,
/// Vietnam time), `date(x)` a `yyyy-MM-dd` day as `dd/MM/yyyy`, `month(x)` a `yyyy-MM` month as
/// `M/yyyy`, `sentence(x)` without its final full stop (a reason quoted inside a sentence).
struct TemplateText: MustacheCustomRenderable, MustacheTransformable {
    let value: String
    var renderText: String { value }
    var isNull: Bool { value.isEmpty }

    func transform(_ name: String) -> Any? {
        switch name {
        case "time":
            return WireJSON.parseTimestamp(value).map { TemplateText(value: VietnamTime.display($0)) }
        case "date":
            let parts = value.split(separator: "-")
            guard parts.count == 3 else { return nil }
            return TemplateText(value: "\(parts[2])/\(parts[1])/\(parts[0])")
        case "month":
            let parts = value.split(separator: "-")
            guard parts.count == 2, let month = Int(parts[1]) else { return nil }
            return TemplateText(value: "\(month)/\(parts[0])")
        case "sentence":
            return TemplateText(value: value.trimmingCharacters(in: CharacterSet(charactersIn: ". ")))
        default:
            return nil
        }
    }
}

/// A number of the payload. Transforms: `vnd(x)` an amount with thousands separators
/// (`95.000`), `zero(x)` and `positive(x)` for wording that turns on it.
struct TemplateNumber: MustacheCustomRenderable, MustacheTransformable {
    let value: Double
    var isNull: Bool { false }
    var renderText: String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    func transform(_ name: String) -> Any? {
        switch name {
        case "vnd":
            let digits = String(Int64(value.magnitude))
            var grouped = ""
            for (index, digit) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { grouped.append(".") }
                grouped.append(digit)
            }
            return TemplateText(value: (value < 0 ? "-" : "") + grouped)
        case "zero": return value == 0
        case "positive": return value > 0
        default: return nil
        }
    }
}
