import Contracts
import ServiceKit

/// `temporary-transfer.extension-requested.v1` from intake: the member's request to extend a
/// temporary transfer waits for the temporary committee, or is refused at once (`ExtensionRequests`).
struct ExtensionRequestedHandler: MessageHandler {
    let tables = ["extension_requests"]
    let messageType = MessageType.temporaryTransferExtensionRequested
    let requests: ExtensionRequests

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        try requests.take(try message.decode(TemporaryTransferExtensionRequestedV1.self).data, cause: message, context: context)
    }
}
