import Calendar
import Contracts
import Foundation
import Messaging
import ServiceKit

/// tthc-routing: passes an accepted dossier between party organisations (liên thông, Đ.22) along
/// its procedure's route plan, step by step with working-time deadlines, until it is decided.
let environment = ServiceEnvironment.load()
let desk: RouteDesk
let tokens: OfficerTokens
do {
    // TTHC_HISTORY_KEYS / TTHC_HISTORY_KEY_ID: routing's own keys for the accepted dossiers it keeps.
    desk = RouteDesk(catalog: try ProcedureCatalog.configured(environment: environment), calendars: try OfficeCalendars.bundled(),
                     store: RouteStore(content: try SealedContent(environment: environment)))
    tokens = try await OfficerTokens.fromEnvironment(environment)
} catch {
    FileHandle.standardError.write(Data("tthc-routing: \(error)\n".utf8))
    exit(1)
}
let transfers = TemporaryTransfers(desk: desk)
let extensionRequests = ExtensionRequests(transfers: transfers)
let sealedContent = SealedContentUpkeep(content: desk.store.content, columns: [.accepted, .feedbackItem])
let officers = OfficerRoutes(desk: desk, tokens: tokens, extensionRequests: extensionRequests, links: DocumentLinks())
// Feedback and petitions (PAKN, Đ.38); TTHC_FEEDBACK_RULES replaces the fields, limits and levels.
let feedback: FeedbackDesk
do {
    feedback = FeedbackDesk(rules: try FeedbackRules.configured(environment: environment), calendars: try OfficeCalendars.bundled(),
                            store: FeedbackStore(content: desk.store.content))
} catch {
    FileHandle.standardError.write(Data("tthc-routing: \(error)\n".utf8))
    exit(1)
}
let feedbackOfficers = FeedbackOfficerRoutes(desk: feedback, routes: officers)

await ServiceRuntime.run(ServiceDefinition(
    name: "routing", defaultHTTPPort: 8083,
    consumers: [
        ConsumerDefinition(queue: "routing.dossiers", handlers: [
            DossierAcceptedHandler(desk: desk), DuesStatusReportedHandler(desk: desk), PaymentCompletedHandler(desk: desk),
            DossierClosedHandler(desk: desk),
            WithdrawalRequestedHandler(desk: desk), DossierWithdrawnHandler(desk: desk),
            ExtensionRequestedHandler(requests: extensionRequests),
            // The evaluation figures' interactions and satisfaction (Đ.37.2).
            SupplementRequestedFiguresHandler(), DossierRatedHandler(),
        ]),
        // PAKN items received and their senders' follow-ups, from intake.
        ConsumerDefinition(queue: "routing.feedback", handlers: [
            FeedbackReceivedHandler(desk: feedback), FeedbackFollowUpReceivedHandler(desk: feedback),
        ]),
        ConsumerDefinition(queue: "routing.organisations", handlers: [
            OrganisationRegistryHandler(messageType: .organisationRegistered, desk: desk),
            OrganisationRegistryHandler(messageType: .organisationUpdated, desk: desk),
        ]),
        // Organisations' own software decides steps on the command exchange.
        ConsumerDefinition(queue: "routing.decisions", exchange: Exchange.intake, handlers: [StepDecisionHandler(desk: desk)]),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.auditLog],
    routes: { router, resources in
        officers.add(to: router, resources: resources)
        feedbackOfficers.add(to: router, resources: resources)
    },
    timers: [StepReminderTimer(store: desk.store), StepOverdueTimer(store: desk.store), TemporaryEndingTimer(transfers: transfers),
             TemporaryCloseTimer(transfers: transfers), sealedContent] + FeedbackTimerHandler.all(desk: feedback) as [any TimerHandler],
    gauges: sealedContent.gauges + FiguresGauges.all))
