import Foundation
import ServiceKit

/// tthc-archive: stores the result (kết quả giải quyết) of each decided dossier and issues its code.
await ServiceRuntime.run(ServiceDefinition(
    name: "archive", defaultHTTPPort: 8086,
    consumers: [ConsumerDefinition(queue: "archive.dossiers", handlers: [DossierDecidedHandler()])],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil)))
