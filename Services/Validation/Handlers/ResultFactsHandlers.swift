import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// `result.references-checked.v1` (archive): what archive found of a received dossier's result
/// references (Đ.13.2); the dossiers waiting for it are checked now.
struct ResultReferencesCheckedHandler: BatchMessageHandler {
    let tables = ["result_facts"]
    let messageType = MessageType.resultReferencesChecked
    let desk: CheckDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let answers = try batch.map { try $0.decode(ResultReferencesCheckedV1.self).data }
        try desk.storeResultChecks(answers, db: context.db)
        try desk.recheckAwaiting(answers.flatMap { $0.results.map(\.resultCode) }, context: context)
    }
}
