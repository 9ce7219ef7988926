import Foundation
import ServiceKit

/// tthc-notification: tells members (and their delegates) what happened to their dossiers (Đ.14.4),
/// and organisations which steps they must handle and when, in Vietnamese; organisations' officers
/// read their inbox over HTTP.
let environment = ProcessInfo.processInfo.environment
let tokens: OfficerTokens
do {
    tokens = try await OfficerTokens.fromEnvironment(environment)
} catch {
    FileHandle.standardError.write(Data("tthc-notification: \(error)\n".utf8))
    exit(1)
}

await ServiceRuntime.run(ServiceDefinition(
    name: "notification", defaultHTTPPort: 8085,
    consumers: [
        ConsumerDefinition(queue: "notification.events", handlers: NoticeHandlers.all),
        // Organisations' notices in their own queue: a burst of step assignments never delays members'.
        ConsumerDefinition(queue: "notification.organisations", handlers: OrganisationNoticeHandlers.all),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.auditLog],
    routes: { router, resources in OrganisationInboxRoutes(tokens: tokens).add(to: router, resources: resources) }))
