import Foundation
import NotificationRules
import ServiceKit

/// tthc-notification: tells members (and their delegates) what happened to their dossiers (Đ.14.4),
/// and organisations which steps they must handle and when, in Vietnamese, from templates
/// (`Rules/Templates`): in the account inbox (read over HTTP by officers and portals), and by
/// e-mail (TTHC_SMTP_*) and SMS (TTHC_SMS_*) as recipients chose, with delivery states, retries on
/// a back-off and a rate per provider.
let environment = ServiceEnvironment.load()
let tokens: OfficerTokens, templates: NoticeTemplates, outbound: NoticeOutbound
do {
    tokens = try await OfficerTokens.fromEnvironment(environment)
    // TTHC_NOTICE_TEMPLATES: a folder of templates replacing the shipped ones (a wording changed
    // without a new build; `tthc-admin notices preview --templates` checks it first).
    templates = try environment["TTHC_NOTICE_TEMPLATES"].map { try NoticeTemplates(folder: URL(fileURLWithPath: $0)) }
        ?? NoticeTemplates.bundled()
    outbound = try NoticeOutbound.fromEnvironment(environment, templates: templates)
} catch {
    FileHandle.standardError.write(Data("tthc-notification: \(error)\n".utf8))
    exit(1)
}
let writer = NoticeWriter(templates: templates, channels: outbound.channels.keys.sorted { $0.rawValue < $1.rawValue })
let sms = (outbound.channels[.sms] as? SMSChannel)?.settings

await ServiceRuntime.run(ServiceDefinition(
    name: "notification", defaultHTTPPort: 8085,
    consumers: [
        // PAKN items too: the sender and the organisations concerned.
        ConsumerDefinition(queue: "notification.events", handlers: NoticeHandlers.members(writer) + FeedbackNoticeHandler.all(writer)),
        // Organisations' notices in their own queue: a burst of step assignments never delays members'.
        ConsumerDefinition(queue: "notification.organisations", handlers: NoticeHandlers.organisations(writer)),
        // Where people hear besides the account, from the registries.
        ConsumerDefinition(queue: "notification.contacts", handlers: ContactHandler.all(channels: writer.channels)),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.auditLog],
    routes: { router, resources in
        InboxRoutes(tokens: tokens).add(to: router, resources: resources)
        if let sms { DeliveryReportRoutes(settings: sms).add(to: router, resources: resources) }
    },
    timers: [DeliveryTimer(outbound: outbound), ContactCatchUpTimer(channels: writer.channels)]))
