import Calendar
import Contracts
import Foundation
import Signatures
import TestSupport
import ValidationRules
import XCTest

/// The content check of components referenced by document id (`dossier.submit.v2`), judged from
/// archive's facts: waiting for facts on their way, one problem that tells nothing for a document
/// that is not the member's, the signer judged from the verified signature's facts, and reuse.
final class ReferencedDocumentsTests: XCTestCase {
    var factory: DossierFactory!
    var check: ContentCheck!

    override func setUpWithError() throws {
        (factory, check) = try DossierFactory.withCheck()
    }

    /// The official transfer's components as references, and archive's facts of each (signed by `signer`).
    func referenced(signer serial: String? = nil) throws -> (content: DossierContent, facts: [String: DocumentStoredV1]) {
        var content = try factory.content(ProcedureCode.officialTransfer)
        var facts: [String: DocumentStoredV1] = [:]
        for index in content.attachments.indices {
            let id = UUID().uuidString.lowercased()
            let signed = content.attachments[index].signature != nil
            content.attachments[index] = content.attachments[index].withoutBytes
            content.attachments[index].signature = nil
            content.attachments[index].documentId = id
            let attachment = content.attachments[index]
            facts[id] = DocumentStoredV1(
                documentId: id, integrator: content.integrator, memberId: content.submitter.memberId, procedureCode: "CSHD.TAMTHOI",
                componentCode: "XN", mediaType: attachment.mediaType, sizeBytes: attachment.sizeBytes, sha256: attachment.sha256,
                storedAt: DossierFactory.receipt,
                signature: signed ? DocumentSignatureFacts(subject: "/CN=x", commonName: "x", subjectSerialNumber: serial ?? factory.member.citizenId,
                                                           signingTime: nil, signatureSha256: String(repeating: "a", count: 64),
                                                           verifiedAt: DossierFactory.receipt) : nil)
        }
        return (content, facts)
    }

    func testReferencesAreAcceptedFromTheFactsEvenWhenUploadedForAnotherProcedure() throws {
        let (content, facts) = try referenced()
        guard case .accepted = check.check(content, member: factory.member, documents: facts) else {
            return XCTFail("\(check.check(content, member: factory.member, documents: facts))")
        }
    }

    func testTheDossierWaitsForFactsAndForTheSignatureOfAComponentThatMustBeSigned() throws {
        var (content, facts) = try referenced()
        let ddn = try XCTUnwrap(content.attachments.first { $0.componentCode == "DDN" }?.documentId)
        let qd = try XCTUnwrap(content.attachments.first { $0.componentCode == "QD" }?.documentId)
        facts[qd] = nil
        facts[ddn]?.signature = nil
        XCTAssertEqual(check.check(content, member: factory.member, documents: facts), .awaitingDocuments([ddn, qd]))
        content.attachments.removeAll { $0.componentCode == "QD" }
        facts[ddn] = nil
        XCTAssertEqual(check.check(content, member: factory.member, documents: facts).status, .awaitingDocuments)
    }

    func testAnotherMembersDocumentOrOtherBytesAreOneProblemAndASignatureBySomeoneElseIsJudged() throws {
        var (content, facts) = try referenced(signer: "001999999999")
        let qd = try XCTUnwrap(content.attachments.firstIndex { $0.componentCode == "QD" })
        facts[content.attachments[qd].documentId!]?.memberId = "DV-OTHER"
        let problems: [Problem]
        if case let .supplementRequested(_, found) = check.check(content, member: factory.member, documents: facts) {
            problems = found
        } else {
            return XCTFail("expected a supplement request")
        }
        XCTAssertEqual(problems.map(\.code).sorted(), ["document-reference-invalid", "signer-not-member", "signer-not-member"])
        let invalid = try XCTUnwrap(problems.first { $0.code == "document-reference-invalid" })
        XCTAssertEqual(invalid.path, "$.data.attachments[\(qd)].documentId")
        XCTAssertFalse(invalid.message.contains("DV-OTHER"), invalid.message)
    }
}

extension ReferencedDocumentsTests {
    /// At the check deadline the dossier is answered with what is known: what never arrived is a problem.
    func testAtTheCheckDeadlineWhatNeverArrivedIsAProblemOfTheSupplementRequest() throws {
        let (content, factsKnown) = try referenced()
        var facts = factsKnown
        let ddn = try XCTUnwrap(content.attachments.firstIndex { $0.componentCode == "DDN" })
        let qd = try XCTUnwrap(content.attachments.firstIndex { $0.componentCode == "QD" })
        facts[content.attachments[qd].documentId!] = nil
        facts[content.attachments[ddn].documentId!]?.signature = nil
        guard case let .supplementRequested(_, problems) = check.check(content, member: factory.member, documents: facts,
                                                                         awaitingDocuments: false) else {
            return XCTFail("expected a supplement request")
        }
        XCTAssertEqual(problems.map { "\($0.code) \($0.path)" }.sorted(), [
            "document-reference-invalid $.data.attachments[\(qd)].documentId", "signed-content-missing $.data.attachments[\(ddn)].signature",
        ])
    }
}

extension ReferencedDocumentsTests {
    /// A written delegation's letter must be a document uploaded as the letter (GUQ), whatever the
    /// reference declares: another document the member signed is not a delegation.
    func testADelegationLetterMustHaveBeenUploadedAsTheLetter() throws {
        var (content, facts) = try referenced()
        let id = UUID().uuidString.lowercased()
        let request = try XCTUnwrap(content.attachments.first { $0.componentCode == "DDN" })
        var letter = request
        letter.componentCode = DelegationLetter.componentCode
        letter.documentId = id
        facts[id] = facts[request.documentId!]
        facts[id]?.documentId = id
        content.delegation = SubmissionDelegation(delegateKind: .member, delegateId: "DV-DELEGATE", delegateName: "Lê Thị B",
                                                  form: .writtenDocument, document: letter)
        let delegate = MemberFixture.member(number: 43)
        func codes() -> [String] {
            guard case let .supplementRequested(_, problems) = check.check(content, member: factory.member, delegate: delegate,
                                                                             documents: facts) else { return [] }
            return problems.map(\.code)
        }
        XCTAssertEqual(codes(), ["delegation-letter-component"])
        facts[id]?.componentCode = DelegationLetter.componentCode
        guard case .accepted = check.check(content, member: factory.member, delegate: delegate, documents: facts) else {
            return XCTFail("\(check.check(content, member: factory.member, delegate: delegate, documents: facts))")
        }
    }
}
