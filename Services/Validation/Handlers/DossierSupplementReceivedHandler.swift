import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `dossier.supplement-received.v1` (Đ.15): the amendment becomes a new encrypted revision of the
/// whole content (earlier versions stay), and the whole dossier is checked again. Same dossier code.
struct DossierSupplementReceivedHandler: MessageHandler {
    let tables = ["dossiers", "dossier_revisions", "timers"]
    let messageType = MessageType.dossierSupplementReceived
    let desk: CheckDesk

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        let supplement = try message.decode(DossierSupplementReceivedV1.self).data
        // The row lock orders amendments and registry re-checks of one dossier across replicas.
        guard let row = try context.db.execute(
            "SELECT status, revision, member_id FROM dossiers WHERE code = $1 FOR UPDATE", [supplement.dossierCode]).first else {
            throw PermanentFailure(code: "unknown-dossier", reason: "dossier \(supplement.dossierCode) is not known to validation")
        }
        let status = try row.string("status")
        guard status == "supplement-requested" else {
            throw PermanentFailure(code: "not-awaiting-supplement",
                                   reason: "dossier \(supplement.dossierCode) is \(status), not awaiting a supplement")
        }
        let revision = try row.int("revision")
        guard let latest = try desk.revisions(of: supplement.dossierCode, db: context.db).last else {
            throw PermanentFailure(code: "no-revision", reason: "dossier \(supplement.dossierCode) has no stored content")
        }
        let content = latest.content.amended(by: supplement)
        try desk.storeRevision(content, revision: revision + 1, cause: "supplement \(message.id)", db: context.db)
        let member = try desk.members([try row.string("member_id")], db: context.db).values.first
        let calendar = try desk.check.calendars.calendars(for: [content.receivingOrganisationCode], db: context.db).values.first
        try desk.recheck(content, revision: revision + 1, member: member,
                         deadline: try desk.check.checkDeadline(for: content, received: supplement.receivedAt, in: calendar),
                         cause: message, context: context)
    }
}
