import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `dossier.received.v1` → content check (Đ.14.2) → `dossier.accepted.v1`, one
/// `dossier.supplement-requested.v1` with every problem, `dossier.refused.v1`, or (member not yet
/// in the registry replica) a wait with the 8-working-hour overdue timer. A batch costs a few
/// statements: one read of the members, one insert of the dossiers, one of the revisions.
struct DossierReceivedHandler: BatchMessageHandler {
    let tables = ["dossiers", "dossier_revisions", "timers"]
    let messageType = MessageType.dossierReceived
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let received = try batch.map { try $0.decode(DossierReceivedV1.self).data }
        let submitters = received.map(\.submitter.memberId)
        let members = try desk.members(submitters + received.compactMap(\.delegation?.memberDelegateId),
                                       lockingSubmitters: submitters, db: context.db)
        let contents = received.map(DossierContent.init(received:))
        var outcomes: [CheckOutcome] = []
        var deadlines: [Date] = []
        var sealed: [HistoryCipher.Sealed] = []
        let calendars = try desk.check.calendars.calendars(for: Set(received.map(\.receivingOrganisationCode)), db: context.db)
        let documents = try desk.documentFacts(of: contents, db: context.db)
        let results = try desk.resultFacts(of: contents, db: context.db)
        for (dossier, content) in zip(received, contents) {
            outcomes.append(desk.check.check(content, member: members[dossier.submitter.memberId],
                                             delegate: dossier.delegation?.memberDelegateId.flatMap { members[$0] },
                                             documents: documents, results: results[content.dossierCode] ?? [:]))
            deadlines.append(try desk.check.checkDeadline(for: content, in: calendars[content.receivingOrganisationCode]))
            sealed.append(try desk.sealedRevision(content, revision: 1))
        }
        let fresh = try desk.insertReceived(contents, outcomes: outcomes, deadlines: deadlines, sealed: sealed,
                                            causes: batch.map { "received \($0.id)" }, db: context.db)
        for index in fresh {
            try desk.announce(outcomes[index], for: contents[index], deadline: deadlines[index], cause: batch[index], context: context)
        }
    }
}
