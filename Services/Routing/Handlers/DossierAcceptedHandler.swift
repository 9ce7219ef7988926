import Contracts
import ServiceKit

/// `dossier.accepted.v1` → a route. The route plans of issue 5 (steps per organisation, officers'
/// decisions) replace this single step; the walking skeleton has the receiving organisation approve.
struct DossierAcceptedHandler: MessageHandler {
    let messageType = MessageType.dossierAccepted

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let accepted = try message.decode(DossierAcceptedV1.self).data
        let inserted = try context.db.execute("""
            INSERT INTO routes (dossier_code, procedure_code, member_id, current_organisation_code, status, decision, decided_at)
            VALUES ($1, $2, $3, $4, 'decided', 'approved', $5::timestamptz) ON CONFLICT (dossier_code) DO NOTHING
            """, [accepted.dossierCode, accepted.procedureCode, accepted.submitter.memberId,
                  accepted.receivingOrganisationCode, context.now])
        guard inserted.affectedRows == 1 else { return }
        try context.emit(.dossierDecided, subject: accepted.dossierCode, data: DossierDecidedV1(
            dossierCode: accepted.dossierCode, procedureCode: accepted.procedureCode,
            memberId: accepted.submitter.memberId, decision: .approved, reason: nil,
            decidingOrganisationCode: accepted.receivingOrganisationCode, decidedAt: context.now))
    }
}
