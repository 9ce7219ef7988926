/// Every message type of contract v1 with its Swift payload type; the JSON Schema of each is
/// `Schemas/<routing key>.schema.json` and an example is `Examples/<routing key>.json`.
public enum ContractCatalog {
    public static let payloadTypes: [MessageType: any (Codable & Sendable).Type] = [
        .dossierSubmit: DossierSubmitV1.self,
        .dossierReceived: DossierReceivedV1.self,
        .dossierRejected: DossierRejectedV1.self,
        .dossierAccepted: DossierAcceptedV1.self,
        .dossierDecided: DossierDecidedV1.self,
        .resultIssued: ResultIssuedV1.self,
        .paymentRequested: PaymentRequestedV1.self,
        .paymentCompleted: PaymentCompletedV1.self,
        .dossierSupplement: DossierSupplementV1.self,
        .dossierSupplementRequested: DossierSupplementRequestedV1.self,
        .dossierStepAssigned: DossierStepAssignedV1.self,
        .dossierStepDecided: DossierStepDecidedV1.self,
        .dossierWithdrawn: DossierWithdrawnV1.self,
        .resultRevoked: ResultRevokedV1.self,
        .notificationSent: NotificationSentV1.self,
        .messageDeadLettered: MessageDeadLetteredV1.self,
        .memberRegistered: MemberRecord.self,
        .memberUpdated: MemberRecord.self,
        .dossierSupplementReceived: DossierSupplementReceivedV1.self,
        .dossierRefused: DossierRefusedV1.self,
        .dossierCheckOverdue: DossierCheckOverdueV1.self,
    ]
}
