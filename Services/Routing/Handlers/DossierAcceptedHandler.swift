import Contracts
import Persistence
import ServiceKit

/// `dossier.accepted.v1` → a route. The route plans of issue 5 (steps per organisation, officers'
/// decisions) replace this single step; the walking skeleton has the receiving organisation approve.
struct DossierAcceptedHandler: BatchMessageHandler {
    let messageType = MessageType.dossierAccepted

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let accepted = try batch.map { try $0.decode(DossierAcceptedV1.self).data }
        let inserted = try context.db.execute("""
            INSERT INTO routes (dossier_code, procedure_code, member_id, current_organisation_code, status, decision, decided_at)
            SELECT code, procedure, member, organisation, 'decided', 'approved', $5::timestamptz
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, procedure, member, organisation)
            ON CONFLICT (dossier_code) DO NOTHING
            RETURNING dossier_code
            """, [PostgresArray(accepted.map(\.dossierCode)), PostgresArray(accepted.map(\.procedureCode)),
                  PostgresArray(accepted.map(\.submitter.memberId)), PostgresArray(accepted.map(\.receivingOrganisationCode)),
                  context.now])
        var new = Set(try inserted.rows.map { try $0.string("dossier_code") })
        for (message, dossier) in zip(batch, accepted) where new.remove(dossier.dossierCode) != nil {
            try context.emit(.dossierDecided, subject: dossier.dossierCode, data: DossierDecidedV1(
                dossierCode: dossier.dossierCode, procedureCode: dossier.procedureCode,
                memberId: dossier.submitter.memberId, decision: .approved, reason: nil,
                decidingOrganisationCode: dossier.receivingOrganisationCode, decidedAt: context.now), causedBy: message)
        }
    }
}
