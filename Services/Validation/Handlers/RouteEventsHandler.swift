import Contracts
import Persistence
import ServiceKit

/// An organisation on the route returned the dossier for a supplement (`dossier.supplement-requested.v1`
/// from routing, with its step): the amendment is taken and the whole dossier checked again
/// (Đ.15), after which routing resumes. Validation's own requests (no step) are ignored here. A
/// return reaching a dossier withdrawn in the meantime announces the withdrawal (routing waits for it).
struct RouteReturnedHandler: MessageHandler {
    let tables = ["dossiers", "timers"]
    let messageType = MessageType.dossierSupplementRequested
    let desk: CheckDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let request = try message.decode(DossierSupplementRequestedV1.self).data
        guard request.stepNumber != nil else { return }
        guard try desk.returnedByRoute(request.dossierCode, problems: request.problems, db: context.db) else {
            // Withdrawn while the return was on its way: routing left the returned dossier to validation.
            if let (reason, memberId) = try desk.announceAfterReturn(request.dossierCode, db: context.db) {
                try context.emit(.dossierWithdrawn, subject: request.dossierCode, data: DossierWithdrawnV1(
                    dossierCode: request.dossierCode, memberId: memberId, reason: reason, withdrawnAt: context.now), causedBy: message)
            }
            return
        }
        // Closed at the deadline routing gave the submitter, if no supplement comes.
        try desk.awaitSupplement(request.dossierCode, until: request.deadline, context: context)
    }
}

/// `member.transferred.v1` (official): the registry replica follows the member to the new cell,
/// so that the next dossier is checked and prefilled with it. Temporary transfers keep the member
/// on the official organisation's list.
struct MemberTransferredHandler: MessageHandler {
    let tables = ["members"]
    let messageType = MessageType.memberTransferred
    let desk: CheckDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let transfer = try message.decode(MemberTransferredV1.self).data
        context.noteAudit(of: message, dossierCode: transfer.dossierCode, memberId: transfer.memberId)
        guard transfer.kind == .official else { return }
        try desk.moveMember(transfer, db: context.db)
    }
}
