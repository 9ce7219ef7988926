import Foundation
import ServiceKit

/// tthc-notification: tells members what happened to their dossiers (Đ.14.4), in Vietnamese.
await ServiceRuntime.run(ServiceDefinition(
    name: "notification", defaultHTTPPort: 8085,
    consumers: [ConsumerDefinition(queue: "notification.events", handlers: NoticeHandlers.all)],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil)))
