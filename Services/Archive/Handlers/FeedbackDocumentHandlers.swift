import Contracts
import Foundation
import Persistence
import ServiceKit

/// The documents a PAKN item (phản ánh, kiến nghị) references and who may read them, in the same
/// tables as dossiers' (the PAKN code in `dossier_code`): `feedback.received.v1` records its
/// holder (the integrator and the sender: the member, or the organisation's code for an
/// organisation's item, as its upload tickets name it) and its documents; each organisation put in
/// charge (`feedback.updated.v1`: assigned, reclassified, appealed) reads them from then on.
struct FeedbackDocumentsHandler: MessageHandler {
    let tables = ["dossier_holders", "dossier_documents", "dossier_participants"]
    let messageType: MessageType

    static let all = [FeedbackDocumentsHandler(messageType: .feedbackReceived), FeedbackDocumentsHandler(messageType: .feedbackUpdated)]
    /// The changes that put an organisation in charge.
    static let inCharge: Set<FeedbackChange> = [.assigned, .reclassified, .appealed]

    func handle(_ message: IncomingMessage, context: HandlerContext) throws {
        guard messageType == .feedbackReceived else {
            let update = try message.decode(FeedbackUpdatedV1.self).data
            guard Self.inCharge.contains(update.change) else { return }
            return try DocumentReaders.add([(update.paknCode, update.organisationCode)], at: context.now, db: context.db)
        }
        let received = try message.decode(FeedbackReceivedV1.self).data
        try DossierHolder(dossier: received.paknCode, integrator: received.integrator, memberId: received.sender.id,
                          procedure: FeedbackRules.attachmentProcedure).record(db: context.db)
        let attached = received.attachments.map { (received.paknCode, $0.documentId.lowercased(), $0.componentCode, $0.fileName) }
        try DocumentReaders.reference(attached, at: context.now, db: context.db)
    }
}
