import Contracts
import ServiceKit

/// `dossier.received.v1` → content check → `dossier.accepted.v1`. The registry, signature and
/// catalog checks of Đ.14.2 come with issue 4; the walking skeleton accepts.
struct DossierReceivedHandler: MessageHandler {
    let messageType = MessageType.dossierReceived

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let received = try message.decode(DossierReceivedV1.self).data
        let inserted = try context.db.execute("""
            INSERT INTO dossiers (code, procedure_code, receiving_organisation_code, member_id, official_receipt_at, status)
            VALUES ($1, $2, $3, $4, $5::timestamptz, 'accepted') ON CONFLICT (code) DO NOTHING
            """, [received.dossierCode, received.procedureCode, received.receivingOrganisationCode,
                  received.submitter.memberId, received.officialReceiptAt])
        // A second `received` for the same dossier (e.g. an intake replay) changes nothing.
        guard inserted.affectedRows == 1 else { return }
        try context.emit(.dossierAccepted, subject: received.dossierCode, data: DossierAcceptedV1(
            dossierCode: received.dossierCode, procedureCode: received.procedureCode,
            receivingOrganisationCode: received.receivingOrganisationCode, submitter: received.submitter,
            officialReceiptAt: received.officialReceiptAt, acceptedAt: context.now))
    }
}
