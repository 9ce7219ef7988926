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
            formVersion: "2026.1",
            form: ["lyDo": "Chuyển công tác theo quyết định số 123/QĐ-UBND", "noiDen": "Đảng bộ phường Ba Đình",
                   "soQuyetDinh": "123/QĐ-UBND"],
            attachments: [
                AttachmentReference(componentCode: "DDN", fileName: "don-de-nghi.pdf", mediaType: "application/pdf",
                                    sizeBytes: 48_311, sha256: String(repeating: "a1", count: 32),
                                    signature: SignatureReference(fileName: "don-de-nghi.pdf.p7s", sizeBytes: 3_012,
                                                                  sha256: String(repeating: "b1", count: 32))),
                AttachmentReference(componentCode: "BTKD", fileName: "ban-tu-kiem-diem.pdf", mediaType: "application/pdf",
                                    sizeBytes: 90_211, sha256: String(repeating: "a2", count: 32),
                                    signature: SignatureReference(fileName: "ban-tu-kiem-diem.pdf.p7s", sizeBytes: 3_020,
                                                                  sha256: String(repeating: "b2", count: 32))),
                AttachmentReference(componentCode: "QD", fileName: "quyet-dinh-chuyen-cong-tac.pdf", mediaType: "application/pdf",
                                    sizeBytes: 183_204, sha256: String(repeating: "ab", count: 32)),
            ])
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
