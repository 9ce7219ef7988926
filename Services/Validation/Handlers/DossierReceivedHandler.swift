import Contracts
import Persistence
import ServiceKit

/// `dossier.received.v1` → content check → `dossier.accepted.v1`. The registry, signature and
/// catalog checks of Đ.14.2 come with issue 4; the walking skeleton accepts.
struct DossierReceivedHandler: BatchMessageHandler {
    let messageType = MessageType.dossierReceived

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let received = try batch.map { try $0.decode(DossierReceivedV1.self).data }
        let inserted = try context.db.execute("""
            INSERT INTO dossiers (code, procedure_code, receiving_organisation_code, member_id, official_receipt_at, status)
            SELECT code, procedure, organisation, member, receipt, 'accepted'
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                AS t(code, procedure, organisation, member, receipt)
            ON CONFLICT (code) DO NOTHING
            RETURNING code
            """, [PostgresArray(received.map(\.dossierCode)), PostgresArray(received.map(\.procedureCode)),
                  PostgresArray(received.map(\.receivingOrganisationCode)), PostgresArray(received.map(\.submitter.memberId)),
                  PostgresArray(received.map(\.officialReceiptAt))])
        // A second `received` for the same dossier (e.g. an intake replay) changes nothing.
        var new = Set(try inserted.rows.map { try $0.string("code") })
        for (message, dossier) in zip(batch, received) where new.remove(dossier.dossierCode) != nil {
            try context.emit(.dossierAccepted, subject: dossier.dossierCode, data: DossierAcceptedV1(
                dossierCode: dossier.dossierCode, procedureCode: dossier.procedureCode,
                receivingOrganisationCode: dossier.receivingOrganisationCode, submitter: dossier.submitter,
                officialReceiptAt: dossier.officialReceiptAt, acceptedAt: context.now), causedBy: message)
        }
    }
}
