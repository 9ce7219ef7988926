import Calendar
import Contracts
import Foundation
import Messaging
import ServiceKit

/// tthc-intake: the front door. Integrators publish `dossier.submit.v1` to `tthc.intake`;
/// intake checks it technically, gives it a dossier code and an official receipt time, and
/// emits `dossier.received.v1` (or `dossier.rejected.v1`), answering `reply_to` when given.
let calendars: OfficeCalendars
let catalog: ProcedureCatalog
do {
    calendars = try OfficeCalendars.bundled()
    catalog = try ProcedureCatalog.configured()
} catch {
    fatalError("cannot load the working calendar or the procedure catalog: \(error)")
}

let environment = ServiceEnvironment.load()
let desk: SubmissionDesk
let uploadTickets: UploadTicketRoutes
do {
    desk = SubmissionDesk(
        calendars: calendars, catalog: catalog,
        // TTHC_PUBLIC_BASE_URL: where people reach the status desk; printed in receipts' QR codes.
        publicBaseURL: environment["TTHC_PUBLIC_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8081",
        // TTHC_HISTORY_KEYS / TTHC_HISTORY_KEY_ID: intake's own keys for the dossier content it keeps.
        content: try SealedContent(environment: environment))
    uploadTickets = UploadTicketRoutes(
        catalog: catalog, feedbackRules: try FeedbackRules.configured(environment: environment), tickets: try await UploadTickets.fromEnvironment(environment),
        // TTHC_DOCUMENT_UPLOAD_URL: archive's documents, where integrators upload with their ticket.
        uploadURL: environment["TTHC_DOCUMENT_UPLOAD_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8086/v1/documents")
} catch {
    FileHandle.standardError.write(Data("tthc-intake: \(error)\n".utf8))
    exit(1)
}
// TTHC_FEEDBACK_RULES: PAKN fields, limits and the duplicate rule replaced without a build.
let feedbackDesk: FeedbackDesk
do {
    feedbackDesk = FeedbackDesk(rules: try FeedbackRules.configured(environment: environment), content: desk.content,
                                publicBaseURL: desk.publicBaseURL)
} catch {
    FileHandle.standardError.write(Data("tthc-intake: \(error)\n".utf8))
    exit(1)
}
let routes = DossierRoutes(desk: desk, maxBodyBytes: Int(environment["TTHC_MAX_MESSAGE_BYTES"] ?? "") ?? (1 << 20))
let feedbackRoutes = FeedbackRoutes(desk: feedbackDesk, maxBodyBytes: routes.maxBodyBytes)
let sealedContent = SealedContentUpkeep(content: desk.content, columns: [.submission, .supplementReceipt, .feedbackReceipt])

await ServiceRuntime.run(ServiceDefinition(
    name: "intake", defaultHTTPPort: 8081,
    consumers: [
        ConsumerDefinition(queue: "intake.commands", exchange: Exchange.intake, handlers: DossierSubmitHandler.all(desk: desk) + [
            DossierSupplementHandler(catalog: catalog, content: desk.content), DossierWithdrawHandler(), DossierRateHandler(), TemporaryTransferExtendHandler(),
            // Feedback and petitions (PAKN, Đ.38): submitted and followed up like dossiers.
            FeedbackSubmitHandler(desk: feedbackDesk), FeedbackFollowUpHandler(),
        ] as [any MessageHandler]),
        // The "received" entry is written when the dossier is created (SubmissionDesk). A step's
        // decision gets no entry of its own (3 deliveries fewer per dossier): it is followed at
        // the same instant by the next step, the return or the decision, or the route waits (for
        // the dues status, an organisation's record) with the status still "in progress".
        // Also each PAKN item's status, timeline and published answer, from routing's updates.
        ConsumerDefinition(queue: "intake.events", handlers: TimelineHandler.all + [FeedbackTimelineHandler()] as [any MessageHandler],
                           retiredTypes: [.dossierReceived, .dossierStepDecided]),
        // Receiving organisations' office hours, for official receipt times.
        ConsumerDefinition(queue: "intake.organisations", handlers: OrganisationHoursHandler.all),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.auditLog, .organisationHours],
    routes: { router, resources in
        routes.add(to: router, resources: resources)
        uploadTickets.add(to: router, resources: resources)
        feedbackRoutes.add(to: router, resources: resources)
        CatalogRoutes(catalog: catalog).add(to: router, clock: resources.clock)
    },
    timers: [sealedContent], gauges: sealedContent.gauges + OpenDossiers.gauges))
