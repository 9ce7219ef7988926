import Foundation

/// The limits every text, number and time in a message keeps, checked when input enters the
/// system (intake's technical check, the consumers of outside systems' messages) so that nothing
/// only the database would refuse reaches it: control characters (a NUL cuts a C string short and
/// jsonb refuses `\u0000`), over-long identifiers (a btree key holds at most ~2.7 kB), integers
/// beyond PostgreSQL's `int`, impossible times. The JSON Schemas state the same limits.
public enum WireText {
    /// Codes and ids (`clientSubmissionId`, `memberId`, `*Code`, `sha256`, `mediaType`...).
    public static let identifierMaxLength = 128
    /// Names of people, organisations and files.
    public static let nameMaxLength = 256
    /// Free text (form fields, reasons, notes); line breaks and tabs allowed.
    public static let textMaxLength = 4000
    /// Integers fit PostgreSQL's `int`; money amounts (`amountVND`...) its `bigint` within JSON's exact range.
    public static let integerRange: ClosedRange<Int64> = Int64(Int32.min)...Int64(Int32.max)
    public static let amountRange: ClosedRange<Int64> = -9_007_199_254_740_991...9_007_199_254_740_991
    /// Times on the wire (envelopes and payloads).
    public static let years: ClosedRange<Int> = 1900...2199
    public static let timeRange: ClosedRange<Date> =
        Date(timeIntervalSince1970: -2_208_988_800)...Date(timeIntervalSince1970: 7_258_118_399.999)

    /// Bytes whose size only the message limit bounds (base64 content).
    static let unboundedKeys: Set<String> = ["contentBase64"]
    /// Dictionaries of free text by field name (a form, a step's content): their values are text
    /// whatever the names, and the names themselves are identifiers.
    static let freeTextDictionaries: Set<String> = ["form", "content"]
    /// Fields the JSON Schemas hold to a stricter length than their kind's.
    static let fieldLimits: [String: Int] = ["memberId": 64, "delegateId": 64, "fullName": 200, "delegateName": 200, "fileName": 255]

    enum Kind {
        case identifier, name, text

        var maxLength: Int {
            switch self {
            case .identifier: WireText.identifierMaxLength
            case .name: WireText.nameMaxLength
            case .text: WireText.textMaxLength
            }
        }
    }

    static func kind(of key: String) -> Kind {
        let lower = key.lowercased()
        if lower.hasSuffix("id") || lower.hasSuffix("code") || lower.hasSuffix("number") || lower.hasSuffix("reference")
            || ["sha256", "mediatype", "formversion", "kind", "form", "role", "decision", "status"].contains(lower) {
            return .identifier
        }
        if lower.hasSuffix("name") { return .name }
        return .text
    }

    /// A value quoted in a message back to the sender: at most 64 characters, controls dropped,
    /// so an answer never grows with what was sent.
    public static func quote(_ value: String) -> String {
        let clean = String(String.UnicodeScalarView(value.unicodeScalars.lazy.filter { $0.properties.generalCategory != .control }.prefix(65)))
        return clean.count > 64 ? String(clean.prefix(63)) + "…" : clean
    }

    /// Text a sender controls, made safe to store and log: control characters dropped, at most
    /// `limit` characters (dead letters record whatever arrived, including what PostgreSQL refuses).
    public static func storable(_ value: String, limit: Int = 1000) -> String {
        var clean = String.UnicodeScalarView()
        var count = 0  // UnicodeScalarView.count walks the view: counted here instead
        for scalar in value.unicodeScalars where scalar.properties.generalCategory != .control {
            guard count < limit else { break }
            clean.append(scalar)
            count += 1
        }
        return String(clean)
    }

    /// Whether one identifier keeps the limits (no control characters, at most 128 characters).
    public static func isCleanIdentifier(_ value: String) -> Bool {
        problem(of: value, kind: .identifier) == nil
    }

    /// Every problem of the texts and numbers in `payload`, each with its JSON path under `root`.
    public static func problems<Payload: Encodable>(in payload: Payload, root: String = "$.data") -> [Problem] {
        let visitor = FieldVisitor()
        do {
            try payload.encode(to: visitor)
        } catch {
            return [Problem(code: "invalid-value", path: root, message: "Nội dung không đọc được: \(error)")]
        }
        return visitor.findings.map { finding in
            let path = root + finding.path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return Problem(code: finding.code, path: path, message: finding.message(path))
        }
    }

    /// The first problem of a string, if any: control characters (C0, DEL, C1; line breaks and
    /// tabs only in free text) and length in characters.
    static func problem(of text: String, kind: Kind, limit: Int? = nil) -> (code: String, message: (String) -> String)? {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            // C1 controls (U+0080–U+009F) are 0xC2 0x80–0x9F in UTF-8.
            let control = byte < 0x20 || byte == 0x7F || (previous == 0xC2 && (0x80...0x9F).contains(byte))
            if control, !(kind == .text && (byte == 0x0A || byte == 0x0D || byte == 0x09)) {
                return ("control-character", { "Trường \($0) chứa ký tự điều khiển không hợp lệ." })
            }
            previous = byte
        }
        // Code points, as JSON Schema's maxLength counts them (UTF-8 bytes ≥ code points).
        let limit = limit ?? kind.maxLength
        if text.utf8.count > limit, text.unicodeScalars.count > limit {
            return ("too-long", { "Trường \($0) dài quá \(limit) ký tự." })
        }
        return nil
    }

    struct Finding {
        let path: [any CodingKey]
        let code: String
        let message: (String) -> String
    }
}

/// An Encoder that encodes nothing: it walks a value and notes each text, integer and time that
/// breaks WireText's limits, with its coding path. New fields are covered without a list to keep.
final class FieldVisitor: Encoder {
    var codingPath: [any CodingKey] = []
    let userInfo: [CodingUserInfoKey: Any] = [:]
    var findings: [WireText.Finding] = []

    func visit(_ text: String, at path: [any CodingKey]) {
        guard let key = path.last?.stringValue, !WireText.unboundedKeys.contains(key) else { return }
        let inForm = path.count >= 2 && WireText.freeTextDictionaries.contains(path[path.count - 2].stringValue)
        // An array element is judged by the name of its array.
        let field = path.last { $0.intValue == nil }?.stringValue ?? key
        let kind = inForm ? .text : WireText.kind(of: field)
        if let (code, message) = WireText.problem(of: text, kind: kind, limit: inForm ? nil : WireText.fieldLimits[field]) {
            findings.append(.init(path: path, code: code, message: message))
        }
        if inForm, let (code, message) = WireText.problem(of: key, kind: .identifier) {
            findings.append(.init(path: path, code: code, message: { "Tên trường " + message($0) }))
        }
    }

    func visit(_ number: Int64, at path: [any CodingKey]) {
        let key = path.last?.stringValue.lowercased() ?? ""
        let range = key.hasPrefix("amount") ? WireText.amountRange : WireText.integerRange
        guard !range.contains(number) else { return }
        findings.append(.init(path: path, code: "out-of-range", message: { "Giá trị số của trường \($0) vượt quá giới hạn cho phép." }))
    }

    func visit(_ date: Date, at path: [any CodingKey]) {
        guard !WireText.timeRange.contains(date) else { return }
        findings.append(.init(path: path, code: "out-of-range", message: { "Thời điểm ở trường \($0) không hợp lệ." }))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed<Key>(visitor: self, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(visitor: self, codingPath: codingPath) }

    func singleValueContainer() -> any SingleValueEncodingContainer { Single(visitor: self, codingPath: codingPath) }

    /// Encodes a nested value: dates and strings are seen whole, anything else is walked.
    func nested<T: Encodable>(_ value: T, at path: [any CodingKey]) throws {
        if let date = value as? Date { return visit(date, at: path) }
        if let text = value as? String { return visit(text, at: path) }
        let saved = codingPath
        codingPath = path
        defer { codingPath = saved }
        try value.encode(to: self)
    }

    struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let visitor: FieldVisitor
        let codingPath: [any CodingKey]
        func encodeNil(forKey key: Key) {}
        func encode(_ value: String, forKey key: Key) { visitor.visit(value, at: codingPath + [key]) }
        func encode(_ value: Bool, forKey key: Key) {}
        func encode(_ value: Double, forKey key: Key) {}
        func encode(_ value: Float, forKey key: Key) {}
        func encode(_ value: Int, forKey key: Key) { visitor.visit(Int64(value), at: codingPath + [key]) }
        func encode(_ value: Int8, forKey key: Key) {}
        func encode(_ value: Int16, forKey key: Key) {}
        func encode(_ value: Int32, forKey key: Key) {}
        func encode(_ value: Int64, forKey key: Key) { visitor.visit(value, at: codingPath + [key]) }
        func encode(_ value: UInt, forKey key: Key) { visitor.visit(Int64(clamping: value), at: codingPath + [key]) }
        func encode(_ value: UInt8, forKey key: Key) {}
        func encode(_ value: UInt16, forKey key: Key) {}
        func encode(_ value: UInt32, forKey key: Key) {}
        func encode(_ value: UInt64, forKey key: Key) { visitor.visit(Int64(clamping: value), at: codingPath + [key]) }
        func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try visitor.nested(value, at: codingPath + [key]) }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(visitor: visitor, codingPath: codingPath + [key]))
        }
        func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            Unkeyed(visitor: visitor, codingPath: codingPath + [key])
        }
        func superEncoder() -> any Encoder { visitor }
        func superEncoder(forKey key: Key) -> any Encoder { visitor }
    }

    final class Unkeyed: UnkeyedEncodingContainer {
        let visitor: FieldVisitor
        let codingPath: [any CodingKey]
        var count = 0
        init(visitor: FieldVisitor, codingPath: [any CodingKey]) {
            self.visitor = visitor
            self.codingPath = codingPath
        }
        private func next() -> [any CodingKey] {
            defer { count += 1 }
            return codingPath + [Index(count)]
        }
        func encodeNil() { count += 1 }
        func encode(_ value: String) { visitor.visit(value, at: next()) }
        func encode(_ value: Int) { visitor.visit(Int64(value), at: next()) }
        func encode(_ value: Int64) { visitor.visit(value, at: next()) }
        func encode<T: Encodable>(_ value: T) throws { try visitor.nested(value, at: next()) }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            KeyedEncodingContainer(Keyed<NestedKey>(visitor: visitor, codingPath: next()))
        }
        func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { Unkeyed(visitor: visitor, codingPath: next()) }
        func superEncoder() -> any Encoder { visitor }
    }

    struct Single: SingleValueEncodingContainer {
        let visitor: FieldVisitor
        let codingPath: [any CodingKey]
        func encodeNil() {}
        func encode(_ value: Bool) {}
        func encode(_ value: String) { visitor.visit(value, at: codingPath) }
        func encode(_ value: Double) {}
        func encode(_ value: Float) {}
        func encode(_ value: Int) { visitor.visit(Int64(value), at: codingPath) }
        func encode(_ value: Int8) {}
        func encode(_ value: Int16) {}
        func encode(_ value: Int32) {}
        func encode(_ value: Int64) { visitor.visit(value, at: codingPath) }
        func encode(_ value: UInt) {}
        func encode(_ value: UInt8) {}
        func encode(_ value: UInt16) {}
        func encode(_ value: UInt32) {}
        func encode(_ value: UInt64) {}
        func encode<T: Encodable>(_ value: T) throws { try visitor.nested(value, at: codingPath) }
    }
}
