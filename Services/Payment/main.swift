import Foundation
import ServiceKit

/// tthc-payment: collects fees and party dues (đảng phí) through payment providers (Đ.16).
await ServiceRuntime.run(ServiceDefinition(
    name: "payment", defaultHTTPPort: 8084,
    consumers: [ConsumerDefinition(queue: "payment.requests", handlers: [PaymentRequestedHandler(), DuesStatusRequestedHandler()])],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil)))
