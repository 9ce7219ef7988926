import Contracts
import Foundation
import Messaging

/// A realistic `dossier.submit.v1` for procedure (1) official transfer, used by `tthc-admin
/// submit-sample`, the benchmark and the tests.
public enum SampleDossier {
    public static func submit(clientSubmissionId: String = UUID().uuidString.lowercased(),
                              organisation: String = "HN.CB0101", memberId: String = "DV0000001") -> DossierSubmitV1 {
        DossierSubmitV1(
            clientSubmissionId: clientSubmissionId, procedureCode: ProcedureCode.officialTransfer,
            receivingOrganisationCode: organisation,
            submitter: Submitter(memberId: memberId, fullName: "Nguyễn Văn An", citizenId: "001085012345",
                                 partyCardNumber: "01012345"),
            form: ["lyDo": "Chuyển công tác theo quyết định số 123/QĐ-UBND", "noiDen": "Đảng bộ phường Ba Đình"],
            attachments: [AttachmentReference(
                componentCode: "QD", fileName: "quyet-dinh-chuyen-cong-tac.pdf", mediaType: "application/pdf",
                sizeBytes: 183_204, sha256: String(repeating: "ab", count: 32))])
    }

    /// The message an integrator publishes to `tthc.intake`.
    public static func message(_ submit: DossierSubmitV1, userId: String, replyTo: String? = nil,
                               correlationId: String? = nil) throws -> (body: [UInt8], properties: MessageProperties) {
        let envelope = Envelope(source: "urn:integrator:\(userId)", type: .dossierSubmit, data: submit)
        return (try WireJSON.encode(envelope), MessageProperties(
            messageId: envelope.id, type: envelope.type, contentType: "application/cloudevents+json", appId: userId,
            userId: userId, correlationId: correlationId, replyTo: replyTo, timestamp: Date()))
    }
}
