import Contracts
import Foundation
import Persistence
import ServiceKit

/// Fires 8 working hours (1 working day for complex procedures) after the official receipt time
/// of a dossier whose check is still open: `dossier.check-overdue.v1` tells the receiving
/// organisation that the deadline of Đ.14.3 is breached.
struct CheckOverdueTimer: TimerHandler {
    let kind = CheckDesk.overdueTimer
    let desk: CheckDesk

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(OverduePayload.self)
        guard let (organisation, status) = try desk.markCheckOverdue(payload.dossierCode, at: context.now, db: context.db) else { return }
        try context.emit(.dossierCheckOverdue, subject: payload.dossierCode, data: DossierCheckOverdueV1(
            dossierCode: payload.dossierCode, receivingOrganisationCode: organisation, deadline: timer.dueAt,
            waitingFor: status == .awaitingDocuments ? "awaiting-document-facts" : "awaiting-member-registry", detectedAt: context.now))
    }
}
