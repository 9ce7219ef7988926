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
        try desk.recheckAwaiting(documents.map(\.documentId), context: context)
    }
}
