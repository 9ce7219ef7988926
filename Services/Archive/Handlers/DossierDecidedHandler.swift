import Contracts
import Persistence
import ServiceKit

/// `dossier.decided.v1` → the dossier's result, signed by its issuing organisation and coded
/// (`ResultIssuer`) → `result.issued.v1`; held while the organisation has no key.
struct DossierDecidedHandler: MessageHandler {
    let tables = ["results", "organisation_document_numbers", "timers"]
    let messageType = MessageType.dossierDecided
    let issuer: ResultIssuer

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try issuer.receive(try message.decode(DossierDecidedV1.self).data, cause: message, context: context)
    }
}
