import Contracts
import Persistence
import ServiceKit

/// An organisation on the route returned the dossier for a supplement (`dossier.supplement-requested.v1`
/// from routing, with its step): the amendment is taken and the whole dossier checked again
/// (Đ.15), after which routing resumes. Validation's own requests (no step) are ignored here.
struct RouteReturnedHandler: MessageHandler {
    let tables = ["dossiers"]
    let messageType = MessageType.dossierSupplementRequested

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let request = try message.decode(DossierSupplementRequestedV1.self).data
        guard request.stepNumber != nil else { return }
        try context.db.execute("""
            UPDATE dossiers SET status = 'supplement-requested', problems = $2::jsonb, version = version + 1, updated_at = now()
            WHERE code = $1 AND status = 'accepted'
            """, [request.dossierCode, try JSONText(request.problems)])
    }
}

/// `member.transferred.v1` (official): the registry replica follows the member to the new cell,
/// so that the next dossier is checked and prefilled with it. Temporary transfers keep the member
/// on the official organisation's list.
struct MemberTransferredHandler: MessageHandler {
    let tables = ["members"]
    let messageType = MessageType.memberTransferred

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let transfer = try message.decode(MemberTransferredV1.self).data
        guard transfer.kind == .official else { return }
        try context.db.execute("""
            UPDATE members SET organisation_code = $3,
                record = jsonb_set(record, '{organisationCode}', to_jsonb($3::text)), updated_at = now()
            WHERE member_id = $1 AND organisation_code = $2
            """, [transfer.memberId, transfer.fromOrganisationCode, transfer.toOrganisationCode])
    }
}
