import Calendar
import Contracts
import Foundation
import ServiceKit
import Signatures
import ValidationRules

/// tthc-validation: the content check of a received dossier (Đ.14.2) against the member registry
/// replica, the procedure version in force and the signatures; supplement requests (Đ.14.3);
/// amendments with an encrypted history (Đ.15).
let environment = ServiceEnvironment.load()
let desk: CheckDesk
let tokens: OfficerTokens
do {
    // Without trust anchors (unset or an empty file) every signature is reported unverifiable, never accepted.
    let verifier = try DetachedSignatureVerifier.fromEnvironment(environment, service: "validation")
    let check = ContentCheck(catalog: try ProcedureCatalog.configured(environment: environment),
                             calendars: try OfficeCalendars.bundled(), verifier: verifier)
    desk = CheckDesk(check: check, cipher: try HistoryCipher(environment: environment))
    tokens = try await OfficerTokens.fromEnvironment(environment)
} catch {
    FileHandle.standardError.write(Data("tthc-validation: \(error)\n".utf8))
    exit(1)
}
// After a key rotation, the history's rows are sealed again under the current key.
let sealedHistory = SealedContentUpkeep(content: desk.sealing, columns: [.revisions])
let revisions = RevisionRoutes(desk: desk, tokens: tokens, links: DocumentLinks())

await ServiceRuntime.run(ServiceDefinition(
    name: "validation", defaultHTTPPort: 8082,
    consumers: [
        ConsumerDefinition(queue: "validation.dossiers", handlers: [
            DossierReceivedHandler(desk: desk), DossierSupplementReceivedHandler(desk: desk), RouteReturnedHandler(desk: desk),
            WithdrawalRequestedHandler(desk: desk),
        ]),
        ConsumerDefinition(queue: "validation.registry", handlers: [
            MemberRegistryHandler(messageType: .memberRegistered, desk: desk),
            MemberRegistryHandler(messageType: .memberUpdated, desk: desk),
            MemberTransferredHandler(desk: desk),
        ] + OrganisationHoursHandler.all),
        // Archive's facts of uploaded documents, which dossier.submit.v2 references (issue 17).
        ConsumerDefinition(queue: "validation.documents", handlers: [DocumentStoredHandler(desk: desk)]),
        // Archive's answers to the results a dossier gives components by (Đ.13.2). A development
        // version replicated every result instead: its bindings are removed (and what they brought, acked).
        ConsumerDefinition(queue: "validation.results", handlers: [ResultReferencesCheckedHandler(desk: desk)],
                           retiredTypes: [.resultIssued, .resultRevoked]),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.auditLog, .organisationHours],
    routes: { router, resources in revisions.add(to: router, resources: resources) },
    timers: [CheckOverdueTimer(desk: desk), SupplementExpiryTimer(desk: desk), sealedHistory],
    gauges: sealedHistory.gauges))
