import Foundation
import ServiceKit

/// tthc-routing: passes an accepted dossier between party organisations (liên thông, Đ.22)
/// until the competent one decides.
await ServiceRuntime.run(ServiceDefinition(
    name: "routing", defaultHTTPPort: 8083,
    consumers: [ConsumerDefinition(queue: "routing.dossiers", handlers: [DossierAcceptedHandler()])],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil)))
