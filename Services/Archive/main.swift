import Foundation
import ServiceKit

/// tthc-archive: stores the result (kết quả giải quyết) of each decided dossier and issues its code.
await ServiceRuntime.run(ServiceDefinition(
    name: "archive", defaultHTTPPort: 8086,
    consumers: [
        ConsumerDefinition(queue: "archive.dossiers", handlers: [DossierDecidedHandler()]),
        // The member's data store (Đ.19) follows the member: results are kept by member, and the
        // organisation the member belongs to now is the one that manages them.
        ConsumerDefinition(queue: "archive.members", handlers: MemberOrganisationHandler.all),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil),
    sharedTables: [.memberOrganisations]))
