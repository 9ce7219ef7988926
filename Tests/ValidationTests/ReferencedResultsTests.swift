import Calendar
import Contracts
import Development
import Foundation
import Signatures
import TestSupport
import ValidationRules
import XCTest

/// Components given by an earlier result of the member's data store (Đ.13.2): intake checks the
/// reference's shape against the catalog; validation judges it from archive's announcements.
final class ReferencedResultsTests: XCTestCase {
    var factory: DossierFactory!
    var check: ContentCheck!
    var published: ProcedureCatalog!
    var folder: URL!
    var code: String { "KQ.\(factory.member.citizenId).GGT.7-2026-HN.DU01.CS001" }

    override func setUpWithError() throws {
        let signing = try TestSigning()
        factory = DossierFactory(signing: signing)
        // A published version in which the official transfer's QD may be given by a GGT result.
        folder = try TestCatalog.acceptingResults(["GGT"], for: "QD", of: ProcedureCode.officialTransfer)
        published = try ProcedureCatalog.configured(environment: ["TTHC_CATALOG_DIRECTORY": folder.path])
        check = ContentCheck(catalog: published, calendars: try OfficeCalendars.bundled(),
                             verifier: try DetachedSignatureVerifier(trustAnchorsPEM: signing.trustAnchorPEM))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: folder)
    }

    func content(_ references: [ResultReference]) throws -> DossierContent {
        var content = try factory.content(ProcedureCode.officialTransfer, leaveOut: ["QD"])
        content.resultReferences = references
        return content
    }

    func facts(found: Bool = true, type: String = "GGT", approved: Bool = true, revokedAt: Date? = nil) -> [String: ResultFacts] {
        [code: found ? ResultFacts(resultCode: code, found: true, documentTypeCode: type, approved: approved, revokedAt: revokedAt)
               : ResultFacts(resultCode: code, found: false)]
    }

    func testTheMembersOwnApprovedResultStandsForTheComponent() throws {
        let content = try content([ResultReference(componentCode: "QD", resultCode: code)])
        guard case .accepted = check.check(content, member: factory.member, results: facts()) else {
            return XCTFail("\(check.check(content, member: factory.member, results: facts()))")
        }
    }

    func testTheDossierWaitsForAResultNotHeardOfAndAtTheDeadlineItIsAProblem() throws {
        let content = try content([ResultReference(componentCode: "QD", resultCode: code)])
        XCTAssertEqual(check.check(content, member: factory.member), .awaitingDocuments([code]))
        guard case let .supplementRequested(_, problems) = check.check(content, member: factory.member, awaitingDocuments: false) else {
            return XCTFail("expected a supplement request")
        }
        XCTAssertEqual(problems.map(\.code), ["result-reference-invalid"])
    }

    func testACodeOfAnotherHolderIsAProblemAtOnceWhetherOrNotSuchAResultExists() throws {
        let foreign = "KQ.009999999999.GGT.7-2026-HN.DU01.CS001"
        let content = try content([ResultReference(componentCode: "QD", resultCode: foreign)])
        let known = [foreign: ResultFacts(resultCode: foreign, found: true, documentTypeCode: "GGT", approved: true)]
        for results in [[:], known] {
            guard case let .supplementRequested(_, problems) = check.check(content, member: factory.member, results: results) else {
                return XCTFail("expected a supplement request at once for \(results)")
            }
            XCTAssertEqual(problems.map(\.code), ["result-reference-invalid"])
        }
    }

    func testAnotherMembersARefusalsARevokedOrAnotherTypesResultIsOneProblemThatTellsNothingMore() throws {
        let content = try content([ResultReference(componentCode: "QD", resultCode: code)])
        for results in [facts(found: false), facts(approved: false), facts(revokedAt: DossierFactory.receipt), facts(type: "PNX")] {
            guard case let .supplementRequested(_, problems) = check.check(content, member: factory.member, results: results) else {
                return XCTFail("expected a supplement request for \(results)")
            }
            XCTAssertEqual(problems.map { "\($0.code) \($0.path)" }, ["result-reference-invalid $.data.resultReferences[0].resultCode"])
        }
    }

    func testAnUploadInAnAmendmentReplacesTheReference() throws {
        let content = try content([ResultReference(componentCode: "QD", resultCode: code)])
        let upload = try factory.content(ProcedureCode.officialTransfer).attachments.first { $0.componentCode == "QD" }!
        let amended = content.amended(by: DossierSupplementReceivedV1(
            dossierCode: content.dossierCode, integrator: content.integrator, clientSubmissionId: "s-1", form: [:], attachments: [upload],
            note: nil, receivedAt: Date()))
        XCTAssertEqual(amended.resultReferences, [])
        guard case .accepted = check.check(amended, member: factory.member) else { return XCTFail("\(check.check(amended, member: factory.member))") }
    }

    // MARK: Intake's technical check

    func technicalProblems(_ references: [ResultReference], attachments: [String] = ["DDN", "BTKD"],
                           catalog: ProcedureCatalog) throws -> [String] {
        var submit = SampleDossier.submit(member: factory.member)
        submit.attachments = submit.attachments.filter { attachments.contains($0.componentCode) }
        submit.resultReferences = references
        return TechnicalCheck.problems(in: submit, procedure: catalog.procedure(submit.procedureCode, at: Date()))
            .map { "\($0.code) \($0.path)" }
    }

    func testAtIntakeAResultStandsForAComponentOnlyWhereTheCatalogSaysSo() throws {
        let qd = [ResultReference(componentCode: "QD", resultCode: code)]
        XCTAssertEqual(try technicalProblems(qd, catalog: published), [])
        XCTAssertEqual(try technicalProblems(qd, catalog: try .bundled()), ["result-not-accepted $.data.resultReferences[0].componentCode"])
        XCTAssertEqual(try technicalProblems([ResultReference(componentCode: "QD", resultCode: "GGT-7")], catalog: published),
                       ["invalid-result-code $.data.resultReferences[0].resultCode"])
        XCTAssertEqual(try technicalProblems(qd, attachments: ["DDN", "BTKD", "QD"], catalog: published),
                       ["duplicate-component $.data.resultReferences[0].componentCode"])
        XCTAssertEqual(try technicalProblems([ResultReference(componentCode: "ZZ", resultCode: code)], catalog: published),
                       ["unknown-component $.data.resultReferences[0].componentCode", "missing-component $.data.attachments"])
    }
}
