import Contracts
import Foundation
import Persistence
import ServiceKit

/// `dossier.submit.v1` over AMQP → the submission desk; answers `reply_to` with the receipt
/// (`dossier.received.v1`) or the rejection (`dossier.rejected.v1`).
struct DossierSubmitHandler: BatchMessageHandler {
    let messageType = MessageType.dossierSubmit
    let desk: SubmissionDesk

    func handle(batch: [IncomingMessage], context: HandlerContext) throws {
        let requests = try authenticate(batch, db: context.db)
        let outcomes = try desk.receive(requests, context: context)
        for (message, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .created(let receipt), .existing(let receipt):
                try context.reply(to: message, .dossierReceived, subject: receipt.dossierCode, data: receipt)
            case .rejected(let rejected):
                try context.reply(to: message, .dossierRejected, subject: nil, data: rejected)
            }
        }
    }

    /// The verified sender (`user_id`) of each message must be an active integrator.
    private func authenticate(_ batch: [IncomingMessage], db: PostgresConnection) throws -> [SubmissionRequest] {
        let senders = Array(Set(batch.compactMap(\.sender)))
        let active = Set(try db.execute("SELECT name FROM integrators WHERE active AND name = ANY($1::text[])",
                                        [PostgresArray(senders)]).rows.map { try $0.string("name") })
        return try batch.map { message in
            guard let integrator = message.sender else {
                throw PermanentFailure(code: "unknown-integrator", reason: "message has no user_id: the sender is unknown")
            }
            guard active.contains(integrator) else {
                throw PermanentFailure(code: "unknown-integrator",
                                       reason: "integrator \(integrator) is not registered or not active in intake")
            }
            return SubmissionRequest(integrator: integrator, submit: try message.decode(DossierSubmitV1.self).data,
                                     message: message)
        }
    }
}
