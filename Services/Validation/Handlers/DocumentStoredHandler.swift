import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `document.stored.v1` (archive) keeps the facts of referenced documents; dossiers that were
/// waiting for one of them are checked now.
struct DocumentStoredHandler: BatchMessageHandler {
    let tables = ["document_facts"]
    let messageType = MessageType.documentStored
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let documents = try batch.map { try $0.decode(DocumentStoredV1.self).data }
        try desk.storeDocumentFacts(documents, db: context.db)
        let waiting = try desk.awaitingDocuments(documents.map(\.documentId), db: context.db)
        guard !waiting.isEmpty else { return }
        let members = try desk.members(waiting.map(\.memberId), db: context.db)
        for dossier in waiting {
            guard let content = try desk.revisions(of: dossier.code, db: context.db).last?.content else { continue }
            try desk.recheck(content, revision: dossier.revision, member: members[dossier.memberId],
                             deadline: dossier.deadline ?? context.now, cause: nil, context: context)
        }
    }
}
