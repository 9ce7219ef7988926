import Contracts
import Persistence
import RoutingRules
import ServiceKit

/// `dossier.accepted.v1` → a route between organisations, planned from the procedure's route plan
/// and the organisation tree; its first step is assigned. An amended dossier accepted again after
/// an organisation returned it resumes at that step; any other repeat changes nothing.
struct DossierAcceptedHandler: BatchMessageHandler {
    let tables = ["routes", "route_steps", "route_history", "timers"]
    let messageType = MessageType.dossierAccepted
    let desk: RouteDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let accepted = try batch.map { try $0.decode(DossierAcceptedV1.self).data }
        let inserted = try context.db.execute("""
            INSERT INTO routes (dossier_code, procedure_code, member_id, status, accepted)
            SELECT code, procedure, member, 'planning', accepted::jsonb
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS t(code, procedure, member, accepted)
            ON CONFLICT (dossier_code) DO NOTHING
            RETURNING dossier_code
            """, [PostgresArray(accepted.map(\.dossierCode)), PostgresArray(accepted.map(\.procedureCode)),
                  PostgresArray(accepted.map(\.submitter.memberId)),
                  try PostgresArray.json(accepted)])
        var new = Set(try inserted.rows.map { try $0.string("dossier_code") })
        // The organisations of every new route in one read (a recursive query per dossier was a
        // visible share of routing's database time); a dossier whose ends cannot be read fails alone in start.
        let codes = accepted.filter { new.contains($0.dossierCode) }.flatMap {
            (try? RouteEnds(form: $0.form ?? [:], memberOrganisation: $0.memberOrganisationCode))?.codes ?? []
        }
        let tree = codes.isEmpty ? nil : try desk.tree(for: codes, db: context.db)
        for (message, dossier) in zip(batch, accepted) {
            if new.remove(dossier.dossierCode) != nil {
                if let delegation = dossier.delegation {
                    try desk.recordDelegation(delegation, of: dossier.dossierCode, context: context)
                }
                try desk.start(dossier, knownTree: tree, cause: message, context: context)
            } else {
                try desk.resume(dossier, cause: message, context: context)
            }
        }
    }
}
