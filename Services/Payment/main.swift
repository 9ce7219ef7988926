import Foundation
import ServiceKit

/// tthc-payment: collects fees and party dues (đảng phí) through payment providers (Đ.16).
await ServiceRuntime.run(ServiceDefinition(
    name: "payment", defaultHTTPPort: 8084,
    consumers: [
        ConsumerDefinition(queue: "payment.requests", handlers: [PaymentRequestedHandler(), DuesStatusRequestedHandler()]),
        // Whose dues each chi bộ collects: the registry, and official transfers moving the obligation.
        ConsumerDefinition(queue: "payment.members", handlers: MemberOrganisationHandler.all),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.memberOrganisations]))
