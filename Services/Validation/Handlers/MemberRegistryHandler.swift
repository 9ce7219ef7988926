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
            return member
        }
        let members = MemberRecord.latestRevisions(records)
        try desk.storeMembers(members, db: context.db)
        let waiting = try desk.awaitingRegistry(members.map(\.memberId), db: context.db)
        guard !waiting.isEmpty else { return }
        let current = try desk.members(members.map(\.memberId), db: context.db)
        for dossier in waiting {
            guard let content = try desk.revisions(of: dossier.code, db: context.db).last?.content else { continue }
            try desk.recheck(content, revision: dossier.revision, member: current[dossier.memberId],
                             deadline: dossier.deadline ?? context.now, cause: nil, context: context)
        }
    }
}
