import Contracts
import Persistence
import ServiceKit

/// `dossier.withdrawal-requested.v1` from intake: a dossier validation still holds (checking,
/// awaiting the registry, awaiting its supplement) is closed and `dossier.withdrawn.v1` emitted.
/// So is one a route returned and that waits for its supplement (validation is then the one to
/// close it, withdrawn or expired). A dossier validation passed on is routing's: it is marked
/// silently, and announced here only if a return from the route turns up after all.
struct WithdrawalRequestedHandler: MessageHandler {
    let tables = ["dossiers", "timers"]
    let messageType = MessageType.dossierWithdrawalRequested
    let desk: CheckDesk

    /// Intake announced the dossier before the request: its `dossier.received` is on its way, so
    /// the request is tried again (with back-off) rather than dropped.
    struct DossierNotHereYet: Error, CustomStringConvertible {
        let code: String
        var description: String { "dossier \(code) is not in validation yet; its withdrawal waits for it" }
    }

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let request = try message.decode(DossierWithdrawalRequestedV1.self).data
        guard let (held, memberId) = try desk.withdraw(request.dossierCode, reason: request.reason, db: context.db) else {
            throw DossierNotHereYet(code: request.dossierCode)
        }
        try Timers.cancel(kinds: [CheckDesk.overdueTimer, CheckDesk.supplementExpiryTimer], key: request.dossierCode, in: context)
        guard held else { return }
        try context.emit(.dossierWithdrawn, subject: request.dossierCode, data: DossierWithdrawnV1(
            dossierCode: request.dossierCode, memberId: memberId, reason: request.reason, withdrawnAt: context.now), causedBy: message)
    }
}
