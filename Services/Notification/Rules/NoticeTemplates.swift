import Contracts
import Foundation
import Mustache
import SMSGateways

/// The wording of every notice, as data (`Templates/<audience>/<event type>.json`), rendered with
/// Mustache. One file per event type and audience holds the forms of each channel: the account
/// text (tài khoản, always), the e-mail subject (its body is the account text in the common
/// letter, `Templates/layout.json`) and the short SMS form. Each file has a version, recorded
/// with every notice it wrote, so a text can be traced to the wording in force.
public struct NoticeTemplates: Sendable {
    /// Who reads the notice: a member (or the member's delegate) or a party organisation.
    public enum Audience: String, Sendable, CaseIterable { case member, organisation }

    /// One event type's forms.
    struct TemplateSet: Sendable {
        let name: String
        let version: Int
        let optional: Set<String>
        let facts: [String: TemplateFile.Fact]
        let account: MustacheTemplate
        let emailSubject: MustacheTemplate?
        let sms: MustacheTemplate?
    }

    struct TemplateFile: Decodable {
        struct Email: Decodable { let subject: String }
        /// A yes/no the wording turns on, read off a field (`"approved": {"field": "decision", "equals": "approved"}`).
        struct Fact: Decodable, Sendable {
            let field: String
            let equals: String
        }
        let version: Int
        let optional: [String]?
        let facts: [String: Fact]?
        let account: String
        let email: Email?
        let sms: String?
    }

    struct LayoutFile: Decodable {
        let version: Int
        let emailBody: String
        let delegate: String
    }

    private let sets: [String: TemplateSet]
    private let emailBody: MustacheTemplate
    private let delegate: MustacheTemplate

    /// The templates shipped with the service (this library's `Templates` folder).
    public static func bundled() throws -> NoticeTemplates {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw TemplateFailure(template: "Templates", problem: "the templates folder is missing from the bundle")
        }
        return try NoticeTemplates(folder: folder)
    }

    public init(folder: URL) throws {
        var sets: [String: TemplateSet] = [:]
        for audience in Audience.allCases {
            let directory = folder.appendingPathComponent(audience.rawValue)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            for file in files.sorted() where file.hasSuffix(".json") {
                let name = "\(audience.rawValue)/\(file.dropLast(5))"
                let data = try Data(contentsOf: directory.appendingPathComponent(file))
                let parsed: TemplateFile
                do { parsed = try JSONDecoder().decode(TemplateFile.self, from: data) } catch {
                    throw TemplateFailure(template: name, problem: "not a template file: \(error)")
                }
                sets[name] = TemplateSet(
                    name: name, version: parsed.version, optional: Set(parsed.optional ?? []), facts: parsed.facts ?? [:],
                    account: try Self.compile(parsed.account, name: "\(name) account"),
                    emailSubject: try parsed.email.map { try Self.compile($0.subject, name: "\(name) email.subject") },
                    sms: try parsed.sms.map { try Self.compile($0, name: "\(name) sms") })
            }
        }
        let layout = try JSONDecoder().decode(LayoutFile.self, from: Data(contentsOf: folder.appendingPathComponent("layout.json")))
        self.sets = sets
        self.emailBody = try Self.compile(layout.emailBody, name: "layout emailBody")
        self.delegate = try Self.compile(layout.delegate, name: "layout delegate")
        // The layout is rendered when a notice is sent, long after it was written: it is checked
        // whole now, so that a broken one stops the service at start rather than blanking letters.
        for audience in Audience.allCases {
            for name in [nil, "Nguyễn Văn A"] {
                let view = Self.layoutView(notice: "x", recipientName: name, audience: audience)
                _ = emailBody.render(view)
                guard view.missing.isEmpty else {
                    throw TemplateFailure(template: "layout emailBody", problem: "refers to \(view.missing.joined(separator: ", "))")
                }
            }
        }
        let view = TemplateView(payload: TemplatePayload(.object([:])), facts: ["memberId": "x", "notice": "x"], optional: [])
        _ = delegate.render(view)
        guard view.missing.isEmpty else {
            throw TemplateFailure(template: "layout delegate", problem: "refers to \(view.missing.joined(separator: ", "))")
        }
    }

    private static func layoutView(notice: String, recipientName: String?, audience: Audience) -> TemplateView {
        TemplateView(payload: TemplatePayload(.object([:])), facts: [
            "notice": notice, "recipientName": recipientName ?? NSNull(), "organisation": audience == .organisation,
        ], optional: ["recipientName"])
    }

    /// Plain text everywhere (e-mail is sent as text/plain): no HTML escaping. Dotted names
    /// (`{{a.b}}`) are refused: a missing part of one would render as nothing, unnoticed; a section
    /// (`{{#a}}{{b}}{{/a}}`) says the same and is checked.
    private static func compile(_ text: String, name: String) throws -> MustacheTemplate {
        if let dotted = text.range(of: #"\{\{[#^/&{]?\s*[A-Za-z0-9_]+\.[A-Za-z0-9_]"#, options: .regularExpression) {
            throw TemplateFailure(template: name, problem: "uses a dotted name (\(text[dotted])…): use a section")
        }
        do { return try MustacheTemplate(string: "{{%CONTENT_TYPE:TEXT}}" + text) } catch {
            throw TemplateFailure(template: name, problem: "does not parse: \(error)")
        }
    }

    /// The event types (`dossier.received.v1`) with templates for an audience.
    public func eventTypes(for audience: Audience) -> [String] {
        sets.keys.filter { $0.hasPrefix(audience.rawValue + "/") }.map { String($0.dropFirst(audience.rawValue.count + 1)) }.sorted()
    }

    public func version(eventType: String, audience: Audience) -> Int? { sets["\(audience.rawValue)/\(eventType)"]?.version }

    /// Renders every form of one event's notice; a missing template, a field the event does not
    /// carry or an empty text is a `TemplateFailure`, never a half-filled notice.
    public func render(eventType: String, audience: Audience, payload: TemplatePayload,
                       facts: [String: Any] = [:]) throws -> RenderedNotice {
        guard let set = sets["\(audience.rawValue)/\(eventType)"] else {
            throw TemplateFailure(template: "\(audience.rawValue)/\(eventType)", problem: "no template for this event type")
        }
        var facts = facts
        for (name, fact) in set.facts { facts[name] = (payload.fields[fact.field] as? String) == fact.equals }
        // One view for every form: a problem stops the rendering at the form that has it.
        let view = TemplateView(payload: payload, facts: facts, optional: set.optional)
        func run(_ template: MustacheTemplate, _ form: String) throws -> String {
            let text = template.render(view).trimmingCharacters(in: .whitespacesAndNewlines)
            guard view.missing.isEmpty else {
                throw TemplateFailure(template: "\(set.name) \(form)",
                                      problem: "refers to \(view.missing.joined(separator: ", ")), which the event does not carry")
            }
            guard !text.isEmpty else { throw TemplateFailure(template: "\(set.name) \(form)", problem: "renders an empty text") }
            return text
        }
        let sms = try set.sms.map { try run($0, "sms") }
        // An SMS is one message: a form that the event's data make too long fails like a missing field.
        if let sms, case let measure = SMSText.measure(sms), !measure.fits {
            throw TemplateFailure(template: "\(set.name) sms",
                                  problem: "gives \(measure.length) \(measure.encoding.rawValue) characters, over \(measure.limit): \(sms)")
        }
        return RenderedNotice(templateVersion: set.version, account: try run(set.account, "account"),
                              emailSubject: try set.emailSubject.map { try run($0, "email.subject") }, sms: sms)
    }

    /// The e-mail's body: the notice in the common letter, addressed to the recipient by name.
    public func emailBody(notice: String, recipientName: String?, audience: Audience) -> String {
        emailBody.render(Self.layoutView(notice: notice, recipientName: recipientName, audience: audience))
            .trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
    }

    /// The same notice as the member's delegate (người được ủy quyền, Đ.11) reads it.
    public func delegateText(memberId: String, notice: String) -> String {
        delegate.render(TemplateView(payload: TemplatePayload(.object([:])), facts: ["memberId": memberId, "notice": notice],
                                     optional: [])).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// One notice in each channel's form.
public struct RenderedNotice: Sendable, Equatable {
    public let templateVersion: Int
    public let account: String
    public let emailSubject: String?
    public let sms: String?
}

/// A template that cannot give a whole text: the event goes to the dead-letter queue with this
/// reason (and `tthc-admin notices preview` shows it).
public struct TemplateFailure: Error, CustomStringConvertible, Sendable {
    public let template: String
    public let problem: String
    public var description: String { "template \(template): \(problem)" }
}
