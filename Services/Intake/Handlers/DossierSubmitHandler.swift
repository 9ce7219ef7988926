import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.submit.v1` and `.v2` over AMQP → the submission desk; answers `reply_to` with the
/// receipt (`dossier.received.v1`) or the rejection (`dossier.rejected.v1`). A v2 submission is
/// kept and announced as its declaration (`DossierSubmitV2.declared`): document ids, no bytes.
struct DossierSubmitHandler: BatchMessageHandler {
    let tables = ["dossiers", "dossier_sequences", "dossier_events"]
    let messageType: MessageType
    let desk: SubmissionDesk
    let decode: @Sendable (IncomingMessage) throws -> DossierSubmitV1

    static func all(desk: SubmissionDesk) -> [DossierSubmitHandler] {
        [DossierSubmitHandler(messageType: .dossierSubmit, desk: desk) { try $0.decode(DossierSubmitV1.self).data },
         DossierSubmitHandler(messageType: .dossierSubmitV2, desk: desk) { try $0.decode(DossierSubmitV2.self).data.declared }]
    }

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
            SubmissionRequest(integrator: integrator, submit: try decode(message), message: message)
        }
    }
}
