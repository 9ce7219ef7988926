import Contracts
import Foundation
import ServiceKit

/// tthc-payment: party dues (đảng phí) and fees (Đ.16): the amount due per dossier, payment online
/// through the payment platform (VNPay 2.1.0 protocol) or in cash to the chi bộ, the ledger.
let environment = ServiceEnvironment.load()
let desk: OrderDesk
let gateway: VNPayGateway
let tokens: OfficerTokens
do {
    desk = OrderDesk(catalog: try ProcedureCatalog.configured(environment: environment),
                     // TTHC_PAYMENT_PUBLIC_URL: where payers reach payment's edge (checkout links, the return page).
                     publicBaseURL: environment["TTHC_PAYMENT_PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8084")
    gateway = try VNPayGateway(environment: environment)
    tokens = try await OfficerTokens.fromEnvironment(environment)
} catch {
    FileHandle.standardError.write(Data("tthc-payment: \(error)\n".utf8))
    exit(1)
}

await ServiceRuntime.run(ServiceDefinition(
    name: "payment", defaultHTTPPort: 8084,
    consumers: [
        ConsumerDefinition(queue: "payment.requests", handlers: [PaymentRequestedHandler(desk: desk), DuesStatusRequestedHandler(),
                                                                 DossierWithdrawnHandler(desk: desk)],
                           // v1 was declared but never produced; its binding goes.
                           retiredTypes: [MessageType("payment.requested", major: 1)]),
        // Whose dues each chi bộ collects: the registry, and official transfers moving the obligation.
        ConsumerDefinition(queue: "payment.members", handlers: MemberOrganisationHandler.all),
        // Each organisation's level (its share) and parent (where it remits), from the registry.
        ConsumerDefinition(queue: "payment.organisations", handlers: DuesOrganisationsHandler.all),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.memberOrganisations, .auditLog],
    routes: { router, resources in
        GatewayRoutes(desk: desk, gateway: gateway).add(to: router, resources: resources)
        CashRoutes(desk: desk, tokens: tokens).add(to: router, resources: resources)
        ReconciliationRoutes(tokens: tokens, provider: gateway.provider).add(to: router, resources: resources)
        DuesRoutes(tokens: tokens).add(to: router, resources: resources)
        RefundRoutes(tokens: tokens).add(to: router, resources: resources)
    },
    timers: [MonthlyCloseTimer(close: MonthlyClose(catalog: desk.catalog)),
             GatewayQueryTimer(attempts: GatewayAttempts(desk: desk, gateway: gateway))]))
