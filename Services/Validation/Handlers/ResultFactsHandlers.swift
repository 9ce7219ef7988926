import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `result.issued.v1` (archive) keeps what validation needs to judge a reference to the result
/// (Đ.13.2); dossiers that were waiting for it are checked now.
struct ResultIssuedHandler: BatchMessageHandler {
    let tables = ["result_facts"]
    let messageType = MessageType.resultIssued
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let results = try batch.map { try $0.decode(ResultIssuedV1.self).data }
        try desk.storeIssuedResults(results, db: context.db)
        try desk.recheckWaiting(try desk.awaitingDocuments(results.map(\.resultCode), db: context.db), lockingDocuments: false,
                                context: context)
    }
}

/// `result.revoked.v1` (archive): a revoked result no longer stands for a component (Đ.18).
/// Dossiers already accepted with it are not reopened: they were judged by what stood then.
struct ResultRevokedHandler: BatchMessageHandler {
    let tables = ["result_facts"]
    let messageType = MessageType.resultRevoked
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        try desk.storeRevokedResults(try batch.map { try $0.decode(ResultRevokedV1.self).data }, db: context.db)
    }
}
