import Contracts
import Foundation
import Persistence
import ServiceKit

/// Fires 8 working hours (1 working day for complex procedures) after the official receipt time
/// of a dossier whose check is still open: `dossier.check-overdue.v1` tells the receiving
/// organisation that the deadline of Đ.14.3 is breached. A dossier still waiting for documents'
/// facts is answered instead, as the deadline requires: checked with what is known, every
/// reference whose document (or signature) never arrived is a problem of the supplement request.
struct CheckOverdueTimer: TimerHandler {
    let keyNamesDossier = true
    let kind = CheckDesk.overdueTimer
    let desk: CheckDesk

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let payload = try timer.decode(OverduePayload.self)
        if let dossier = try desk.locked(payload.dossierCode, db: context.db), dossier.status == .awaitingDocuments,
           let content = try desk.revisions(of: payload.dossierCode, db: context.db).last?.content {
            let member = try desk.members([dossier.memberId], db: context.db)[dossier.memberId]
            return try desk.recheck(content, revision: dossier.revision, member: member, deadline: timer.dueAt, cause: nil,
                                    context: context, awaitingDocuments: false, lockingDocuments: false)
        }
        guard let organisation = try desk.markCheckOverdue(payload.dossierCode, at: context.now, db: context.db) else { return }
        try context.emit(.dossierCheckOverdue, subject: payload.dossierCode, data: DossierCheckOverdueV1(
            dossierCode: payload.dossierCode, receivingOrganisationCode: organisation,
            deadline: timer.dueAt, waitingFor: "awaiting-member-registry", detectedAt: context.now))
    }
}
