import Calendar
import Contracts
import Foundation
import Messaging
import ServiceKit

/// tthc-intake: the front door. Integrators publish `dossier.submit.v1` to `tthc.intake`;
/// intake checks it technically, gives it a dossier code and an official receipt time, and
/// emits `dossier.received.v1` (or `dossier.rejected.v1`), answering `reply_to` when given.
let calendar: WorkingCalendar
do {
    calendar = try WorkingCalendar.bundled()
} catch {
    fatalError("cannot load the working calendar: \(error)")
}

await ServiceRuntime.run(ServiceDefinition(
    name: "intake", defaultHTTPPort: 8081,
    consumers: [
        ConsumerDefinition(queue: "intake.commands", exchange: Exchange.intake, handlers: [DossierSubmitHandler(calendar: calendar)]),
    ],
    migrationsFolder: Bundle.module.url(forResource: "Migrations", withExtension: nil)))
