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

    /// The same message again (a timeout on the sender's side, a redelivery): the answer it got,
    /// nothing emitted again.
    func answerRepeat(_ message: IncomingMessage, context: HandlerContext) throws {
        guard message.replyTo != nil else { return }
        let request = try authenticate([message], db: context.db)[0]
        switch try desk.answerAgain(request, context: context) {
        case .created(let receipt), .existing(let receipt):
            try context.reply(to: message, .dossierReceived, subject: receipt.dossierCode, data: receipt.withoutDocumentBytes)
        case .rejected(let rejected):
            try context.reply(to: message, .dossierRejected, subject: nil, data: rejected)
        }
    }

    private func authenticate(_ batch: [IncomingMessage], db: PostgresConnection) throws -> [SubmissionRequest] {
        try zip(batch, Integrators.verifiedSenders(of: batch, db: db)).map { message, integrator in
            SubmissionRequest(integrator: integrator, submit: try message.decode(DossierSubmitV1.self).data, message: message)
        }
    }
}
