import Contracts
import Foundation
import XCTest

/// Intake's technical check of `dossier.submit.v2`'s references: an id spelt as the ticket spells
/// it (lower case), no bytes beside a reference, and a delegation letter uploaded as `GUQ`.
final class TechnicalCheckReferenceTests: XCTestCase {
    func submission(attachments: [DocumentReference], letter: DocumentReference? = nil) -> DossierSubmitV1 {
        DossierSubmitV2(
            clientSubmissionId: "c-1", procedureCode: "CSHD.TAMTHOI", receivingOrganisationCode: "HN.CB0001",
            submitter: Submitter(memberId: "DV0000001", fullName: "Trần Văn An"), formVersion: "2026.1",
            form: ["lyDo": "Đi làm việc có thời hạn", "noiDen": "Chi bộ khu phố 3", "chiBoNoiDen": "HCM.CB0003",
                   "mucDich": "lam-viec", "thoiHanThang": "9"],
            attachments: attachments,
            delegation: letter.map { DelegationV2(delegateKind: .member, delegateId: "DV0000002", delegateName: "Lê Thị B",
                                                  form: .writtenDocument, document: $0) }).declared
    }

    func reference(_ component: String, id: String = UUID().uuidString.lowercased()) -> DocumentReference {
        DocumentReference(componentCode: component, fileName: "\(component).pdf", documentId: id, mediaType: "application/pdf",
                          sizeBytes: 1234, sha256: String(repeating: "ab", count: 32))
    }

    func problems(_ submit: DossierSubmitV1) throws -> [String] {
        let procedure = try ProcedureCatalog.bundled().procedure(submit.procedureCode, at: Date())
        return TechnicalCheck.problems(in: submit, procedure: procedure).map { "\($0.code) \($0.path)" }
    }

    func testReferencesWithoutBytesPassAndSignedComponentsNeedNoInlineSignature() throws {
        XCTAssertEqual(try problems(submission(attachments: [reference("DDN"), reference("XN")])), [])
    }

    func testAnIdNotSpeltAsTheTicketSpellsItIsRefused() throws {
        let upper = reference("XN", id: UUID().uuidString.uppercased())
        XCTAssertEqual(try problems(submission(attachments: [reference("DDN"), upper])),
                       ["invalid-document-id $.data.attachments[1].documentId"])
    }

    func testBytesBesideAReferenceAreRefused() throws {
        var submit = submission(attachments: [reference("DDN"), reference("XN")])
        submit.attachments[0].contentBase64 = "JVBERi0="
        XCTAssertEqual(try problems(submit), ["document-bytes-with-reference $.data.attachments[0]"])
    }

    func testADelegationLetterMustBeAnUploadedLetter() throws {
        XCTAssertEqual(try problems(submission(attachments: [reference("DDN"), reference("XN")], letter: reference("GUQ"))), [])
        XCTAssertEqual(try problems(submission(attachments: [reference("DDN"), reference("XN")], letter: reference("DDN"))),
                       ["delegation-letter-component $.data.delegation.document.componentCode"])
    }
}
