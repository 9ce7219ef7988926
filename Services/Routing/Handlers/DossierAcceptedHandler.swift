import Contracts
import Persistence
import RoutingRules
import ServiceKit

/// `dossier.accepted.v1` → a route between organisations, planned from the procedure's route plan
/// and the organisation tree; its first step is assigned. An amended dossier accepted again after
/// an organisation returned it resumes at that step; any other repeat changes nothing.
struct DossierAcceptedHandler: BatchMessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers", "withdrawal_requests"]
    let messageType = MessageType.dossierAccepted
    let desk: RouteDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let accepted = try batch.map { try $0.decode(DossierAcceptedV1.self).data }
        try desk.store.lockDossiers(accepted.map(\.dossierCode), db: context.db)
        var new = try desk.store.insertAccepted(accepted, db: context.db)
        // The organisations of every new route in one read (a recursive query per dossier was a
        // visible share of routing's database time); a dossier whose ends cannot be read fails alone in start.
        let fresh = accepted.filter { new.contains($0.dossierCode) }
        let codes = fresh.flatMap {
            ((try? RouteEnds(form: $0.form ?? [:], memberOrganisation: $0.memberOrganisationCode))?.codes ?? []) + [$0.receivingOrganisationCode]
        }
        let tree = codes.isEmpty ? nil : try desk.tree(for: codes, db: context.db)
        try desk.store.recordDeadlines(fresh.reduce(into: [:]) { deadlines, dossier in
            deadlines[dossier.dossierCode] = desk.processingDeadline(of: dossier, tree: tree)
        }, db: context.db)
        // Withdrawals asked for before the dossier got here (one read per batch, usually empty).
        let withdrawals = new.isEmpty ? [:] : try desk.store.takeWithdrawalsRequested(for: Array(new), db: context.db)
        for (message, dossier) in zip(batch, accepted) {
            if new.remove(dossier.dossierCode) != nil {
                if let reason = withdrawals[dossier.dossierCode] {
                    var route = Route.unplanned(dossier)
                    try desk.withdraw(&route, reason: reason, cause: message, context: context)
                    continue
                }
                try desk.start(dossier, knownTree: tree, delegation: dossier.delegation, cause: message, context: context)
            } else {
                try desk.resume(dossier, cause: message, context: context)
            }
        }
    }
}
