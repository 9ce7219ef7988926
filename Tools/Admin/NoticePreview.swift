import ArgumentParser
import Contracts
import Foundation
import NotificationRules
import SMSGateways

/// `tthc-admin notices preview TYPE`: what a notice's templates give for an event, in every form,
/// before a template change ships.
struct Notices: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notices", abstract: "Notices' templates (Services/Notification/Rules/Templates).", subcommands: [Preview.self])

    struct Preview: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render an event type's notice (account, e-mail, SMS) from an event: a file, or the type's example.")
        @Argument(help: "The event type, e.g. dossier.received.v1.") var type: String
        @Option(help: "member or organisation (default: every audience with a template for the type).") var audience: String?
        @Option(help: "An event (the whole envelope, JSON); default Shared/Contracts/Examples/TYPE.json.") var event: String?
        @Option(help: "A templates folder to try instead of the shipped one.") var templates: String?
        @Option(help: "The recipient's name in the e-mail's greeting.") var name: String?

        func run() async throws {
            let library = try templates.map { try NoticeTemplates(folder: URL(fileURLWithPath: $0)) } ?? NoticeTemplates.bundled()
            let path = event ?? "Shared/Contracts/Examples/\(type).json"
            // Read as the service reads it.
            let payload = try TemplatePayload(message: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            let audiences = try audience.map { name in
                guard let chosen = NoticeTemplates.Audience(rawValue: name) else { throw ValidationError("--audience is member or organisation") }
                return [chosen]
            } ?? NoticeTemplates.Audience.allCases.filter { library.version(eventType: type, audience: $0) != nil }
            guard !audiences.isEmpty else { throw ValidationError("no template for \(type)") }
            for audience in audiences {
                // A failing template prints its reason and exits non-zero, as the service dead-letters the event.
                let notice = try library.render(eventType: type, audience: audience, payload: payload)
                print("== \(audience.rawValue) · \(type) · template version \(notice.templateVersion)")
                print("-- account\n\(notice.account)")
                if let subject = notice.emailSubject {
                    print("-- e-mail\nSubject: \(subject)\n\n\(library.emailBody(notice: notice.account, recipientName: name, audience: audience))")
                }
                if let sms = notice.sms {
                    let measure = SMSText.measure(sms)
                    print("-- SMS (\(measure.encoding.rawValue), \(measure.length)/\(measure.limit)\(measure.fits ? "" : ", TOO LONG"))\n\(sms)")
                }
            }
        }
    }
}
