import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `member.registered.v1` / `member.updated.v1` keep the registry replica; an older revision never
/// overwrites a newer one (events may arrive twice or out of order). Dossiers that were waiting
/// for one of these members are checked now.
struct MemberRegistryHandler: BatchMessageHandler {
    let tables = ["members"]
    let messageType: MessageType
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let records = try batch.map { message in
            let member = try message.decodeExternal(MemberRecord.self).data
            guard member.citizenId.range(of: "^[0-9]{12}$", options: .regularExpression) != nil else {
                throw PermanentFailure(code: "invalid-citizen-id", reason: "member \(member.memberId): citizen id must be 12 digits")
            }
            context.noteAudit(of: message, memberId: member.memberId, detail: "registry revision \(member.revision)")
            return member
        }
        let members = MemberRecord.latestRevisions(records)
        try desk.storeMembers(members, db: context.db)
        try desk.recheckWaiting(try desk.awaitingRegistry(members.map(\.memberId), db: context.db), context: context)
    }
}
