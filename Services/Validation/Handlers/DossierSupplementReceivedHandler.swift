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
        guard let dossier = try desk.locked(supplement.dossierCode, db: context.db) else {
            throw PermanentFailure(code: "unknown-dossier", reason: "dossier \(supplement.dossierCode) is not known to validation")
        }
        // Withdrawn while the amendment was on its way: the withdrawal stands.
        if dossier.status == .withdrawn { return }
        guard dossier.status == .supplementRequested else {
            throw PermanentFailure(code: "not-awaiting-supplement",
                                   reason: "dossier \(supplement.dossierCode) is \(dossier.status.rawValue), not awaiting a supplement")
        }
        let revision = dossier.revision
        guard let latest = try desk.revisions(of: supplement.dossierCode, db: context.db).last else {
            throw PermanentFailure(code: "no-revision", reason: "dossier \(supplement.dossierCode) has no stored content")
        }
        let content = latest.content.amended(by: supplement)
        try desk.storeRevision(content, revision: revision + 1, cause: "supplement \(message.id)", db: context.db)
        let member = try desk.members([dossier.memberId], lockingSubmitters: [dossier.memberId], db: context.db).values.first
        let calendar = try desk.check.calendars.calendars(for: [content.receivingOrganisationCode], db: context.db).values.first
        try desk.recheck(content, revision: revision + 1, member: member,
                         deadline: try desk.check.checkDeadline(for: content, received: supplement.receivedAt, in: calendar),
                         cause: message, context: context)
    }
}
