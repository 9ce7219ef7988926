import Contracts
import Foundation
import ServiceKit
import Signatures

/// tthc-archive: issues each decided dossier's result (kết quả giải quyết) signed by its
/// organisation, keeps it for verification and revocation (Đ.17–21); keeps dossiers' documents,
/// encrypted, uploaded once (issue 17).
let environment = ServiceEnvironment.load()
let issuer: ResultIssuer
let routes: ResultRoutes
let envelope: DocumentEnvelope
let uploadTickets: UploadTickets
let officerTokens: OfficerTokens
let signatureVerifier: DetachedSignatureVerifier?
do {
    // TTHC_DOCUMENT_KEYS / TTHC_DOCUMENT_KEY_ID: master keys wrapping each document's data key.
    envelope = try DocumentEnvelope(environment: environment)
    // TTHC_UPLOAD_TICKET_SECRET: intake's upload tickets, checked where the bytes arrive.
    uploadTickets = try await UploadTickets.fromEnvironment(environment)
    officerTokens = try await OfficerTokens.fromEnvironment(environment)
    // TTHC_ORGANISATION_KEYS_DIRECTORY: <code>.key.pem and <code>.cert.pem per issuing organisation.
    let keysDirectory = environment["TTHC_ORGANISATION_KEYS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/tthc/organisation-keys"
    issuer = ResultIssuer(
        keys: PEMOrganisationKeys(directory: URL(fileURLWithPath: keysDirectory)),
        catalog: try ProcedureCatalog.configured(environment: environment),
        // TTHC_VERIFICATION_BASE_URL: where people reach archive's verification page (the QR code's link).
        verificationBaseURL: environment["TTHC_VERIFICATION_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8086")
    // Without trust anchors the page reports every signature unverifiable (and prints no paper copy).
    signatureVerifier = try DetachedSignatureVerifier.fromEnvironment(environment, service: "archive")
    routes = ResultRoutes(issuer: issuer, envelope: envelope, tokens: officerTokens, verifier: signatureVerifier)
} catch {
    FileHandle.standardError.write(Data("tthc-archive: \(error)\n".utf8))
    exit(1)
}

await ServiceRuntime.run(ServiceDefinition(
    name: "archive", defaultHTTPPort: 8086,
    consumers: [
        ConsumerDefinition(queue: "archive.dossiers", handlers: [DossierDecidedHandler(issuer: issuer)]),
        // The member's data store (Đ.19) follows the member: results are kept by member, and the
        // organisation the member belongs to now is the one that manages them.
        ConsumerDefinition(queue: "archive.members", handlers: MemberOrganisationHandler.all),
        // Who may read a dossier's documents: what it references, who takes part in its route.
        ConsumerDefinition(queue: "archive.dossier-documents", handlers: DossierDocumentsHandler.all(handover: InlineDocumentHandover(envelope: envelope))
                                                                            + [RouteParticipantHandler()]
                                                                            // PAKN items' attachments, read by the organisations in charge.
                                                                            + FeedbackDocumentsHandler.all
                           as [any MessageHandler]),
        // Every service's audit chain heads, kept out of its reach (tthc-admin audit verify).
        ConsumerDefinition(queue: "archive.audit", handlers: [AuditCheckpointHandler()]),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.memberOrganisations, .auditLog],
    routes: { router, resources in
        routes.add(to: router, resources: resources)
        DocumentRoutes(store: DocumentStore(envelope: envelope, resources: resources,
                                             chunks: PostgresDocumentChunks(database: resources.database)), tickets: uploadTickets,
                       officerTokens: officerTokens, inspector: NoDocumentInspector(), verifier: signatureVerifier,
                       resultLinks: { issuer.verificationURL($0) })
            .add(to: router, resources: resources)
    },
    timers: [HeldResultsTimer(issuer: issuer), DocumentUpkeepTimer(envelope: envelope)],
    gauges: ResultIssuer.heldGauges + DocumentUpkeepTimer.gauges))
