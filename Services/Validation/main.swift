import Foundation
import ServiceKit

/// tthc-validation: checks a received dossier's content (Đ.14.2) and accepts it for handling.
await ServiceRuntime.run(ServiceDefinition(
    name: "validation", defaultHTTPPort: 8082,
    consumers: [ConsumerDefinition(queue: "validation.dossiers", handlers: [DossierReceivedHandler()])],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil)))
