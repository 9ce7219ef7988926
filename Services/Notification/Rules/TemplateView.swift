import Calendar
import Contracts
import Foundation
import Mustache

/// An event's payload as a template reads it: the `data` object of the message as it came on the
/// wire, parsed by JSONSerialization (a fifth of the cost of decoding it again as `JSONValue`).
public struct TemplatePayload: @unchecked Sendable {
    let fields: [String: Any]

    /// The `data` of a whole message (the envelope's bytes).
    public init(message bytes: [UInt8]) throws {
        guard let envelope = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let data = envelope["data"] as? [String: Any] else {
            throw TemplateFailure(template: "-", problem: "the message has no data object")
        }
        fields = data
    }

    /// A payload given as a value (tests, previews).
    public init(_ value: JSONValue) {
        fields = (Self.plain(value) as? [String: Any]) ?? [:]
    }

    static func plain(_ value: JSONValue) -> Any {
        switch value {
        case .null: return NSNull()
        case .bool(let flag): return flag
        case .number(let number): return NSNumber(value: number)
        case .string(let text): return text
        case .array(let items): return items.map(plain)
        case .object(let object): return object.mapValues(plain)
        }
    }
}

/// What a template sees: the event's payload, plus facts (the recipient's name, a yes/no the
/// wording turns on), each field made a template value when first looked up. Lookups of a name
/// the event does not carry and the template does not declare optional are recorded, so a
/// template that refers to a field that is not there fails instead of sending a half-filled text.
final class TemplateView: MustacheParent, @unchecked Sendable {
    private let fields: [String: Any]
    private let optional: Set<String>
    /// What could not be filled: names missing at the root (inner objects let a lookup climb) and
    /// transforms that had nothing to give. One view per rendering, on one thread.
    let problems: TemplateProblems

    var missing: [String] { problems.list }

    init(payload: TemplatePayload, facts: [String: Any], optional: Set<String>) {
        fields = payload.fields.merging(facts) { $1 }
        self.optional = optional
        problems = TemplateProblems()
    }

    func child(named name: String) -> Any? {
        if let value = fields[name].flatMap({ Self.node($0, problems) }) { return value }
        if !optional.contains(name) { problems.note(name) }
        return nil
    }

    /// JSON as template values: objects look up their fields, strings and numbers carry the
    /// transforms below, the items of a list of objects know their position (1, 2, …).
    static func node(_ value: Any, _ problems: TemplateProblems) -> Any? {
        if type(of: value) == Bool.self { return value as? Bool }
        if let whole = value as? Int, type(of: value) == Int.self { return TemplateNumber(value: Double(whole), problems: problems) }
        if let real = value as? Double, type(of: value) == Double.self { return TemplateNumber(value: real, problems: problems) }
        switch value {
        case is NSNull: return nil
        case let number as NSNumber:
            // JSONSerialization gives true and false as NSNumber too: its type tells them apart.
            return String(cString: number.objCType) == "c" ? number.boolValue : TemplateNumber(value: number.doubleValue, problems: problems)
        case let text as String: return TemplateText(value: text, problems: problems)
        case let items as [Any]:
            return items.enumerated().compactMap { index, item -> Any? in
                guard var object = item as? [String: Any] else { return node(item, problems) }
                object["position"] = NSNumber(value: index + 1)
                return node(object, problems)
            }
        case let object as [String: Any]: return TemplateObject(fields: object, problems: problems)
        default: return nil
        }
    }
}

/// An object inside the payload (a problem, a member in arrears).
struct TemplateObject: MustacheParent {
    let fields: [String: Any]
    let problems: TemplateProblems
    func child(named name: String) -> Any? { fields[name].flatMap { TemplateView.node($0, problems) } }
}

/// The problems of one rendering.
final class TemplateProblems: @unchecked Sendable {
    private(set) var list: [String] = []
    func note(_ problem: String) { if !list.contains(problem) { list.append(problem) } }
}


/// A text of the payload. Transforms: `time(x)` an instant as members read it (`HH:mm dd/MM/yyyy`,
/// Vietnam time), `date(x)` a `yyyy-MM-dd` day as `dd/MM/yyyy`, `month(x)` a `yyyy-MM` month as
/// `M/yyyy`, `sentence(x)` without its final full stop (a reason quoted inside a sentence).
struct TemplateText: MustacheCustomRenderable, MustacheTransformable {
    let value: String
    let problems: TemplateProblems
    var renderText: String { value }
    var isNull: Bool { value.isEmpty }

    func transform(_ name: String) -> Any? {
        let result = apply(name)
        if result == nil { problems.note("\(name)(…) of \(value.debugDescription)") }
        return result
    }

    private func apply(_ name: String) -> Any? {
        switch name {
        case "time":
            return WireJSON.parseTimestamp(value).map { TemplateText(value: VietnamTime.display($0), problems: problems) }
        case "date":
            let parts = value.split(separator: "-")
            guard parts.count == 3 else { return nil }
            return TemplateText(value: "\(parts[2])/\(parts[1])/\(parts[0])", problems: problems)
        case "month":
            let parts = value.split(separator: "-")
            guard parts.count == 2, let month = Int(parts[1]) else { return nil }
            return TemplateText(value: "\(month)/\(parts[0])", problems: problems)
        case "sentence":
            return TemplateText(value: value.trimmingCharacters(in: CharacterSet(charactersIn: ". ")), problems: problems)
        default:
            return nil
        }
    }
}

/// A number of the payload. Transforms: `vnd(x)` an amount with thousands separators
/// (`95.000`), `zero(x)` and `positive(x)` for wording that turns on it.
struct TemplateNumber: MustacheCustomRenderable, MustacheTransformable {
    let value: Double
    let problems: TemplateProblems
    var isNull: Bool { false }
    var renderText: String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    func transform(_ name: String) -> Any? {
        let result = apply(name)
        if result == nil { problems.note("\(name)(…) of \(renderText)") }
        return result
    }

    private func apply(_ name: String) -> Any? {
        switch name {
        case "vnd":
            let digits = String(Int64(value.magnitude))
            var grouped = ""
            for (index, digit) in digits.enumerated() {
                if index > 0, (digits.count - index) % 3 == 0 { grouped.append(".") }
                grouped.append(digit)
            }
            return TemplateText(value: (value < 0 ? "-" : "") + grouped, problems: problems)
        case "zero": return value == 0
        case "positive": return value > 0
        default: return nil
        }
    }
}
