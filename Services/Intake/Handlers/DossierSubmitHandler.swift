import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.submit.v1` over AMQP → the submission desk; answers `reply_to` with the receipt
/// (`dossier.received.v1`) or the rejection (`dossier.rejected.v1`).
struct DossierSubmitHandler: BatchMessageHandler {
    let tables = ["dossiers", "dossier_sequences", "dossier_events"]
    let messageType = MessageType.dossierSubmit
    let desk: SubmissionDesk
    /// Idempotent by (integrator, clientSubmissionId), not by message id: a command published
    /// again (after a timeout, a reconnect) is answered again with the same receipt.
    var idempotentByMessageId: Bool { true }

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let requests = try authenticate(batch, db: context.db)
        let outcomes = try desk.receive(requests, context: context)
        for (message, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .created(let receipt), .existing(let receipt):
                try context.reply(to: message, .dossierReceived, subject: receipt.dossierCode, data: receipt.withoutDocumentBytes)
            case .rejected(let rejected):
                try context.reply(to: message, .dossierRejected, subject: nil, data: rejected)
            }
        }
    }

    private func authenticate(_ batch: [IncomingMessage], db: PostgresConnection) throws -> [SubmissionRequest] {
        try zip(batch, Integrators.verifiedSenders(of: batch, db: db)).map { message, integrator in
            SubmissionRequest(integrator: integrator, submit: try message.decode(DossierSubmitV1.self).data, message: message)
        }
    }
}
