import Calendar
import Contracts
import Foundation
import Signatures
import TestSupport
import ValidationRules
import XCTest

/// Ask only once: a dues declaration without its basis takes the member registry's insured salary
/// or pension; intake lets such a declaration through, and a basis the registry lacks is asked for.
final class DuesBasisTests: XCTestCase {
    var factory: DossierFactory!
    var check: ContentCheck!
    /// Monday 7/12/2026 09:00, under DANGPHI version 2.
    let december = VietnamTime.parse(local: "2026-12-07 09:00")!

    override func setUpWithError() throws {
        let signing = try TestSigning()
        factory = DossierFactory(signing: signing)
        check = ContentCheck(catalog: try ProcedureCatalog.bundled(), calendars: try OfficeCalendars.bundled(),
                             verifier: try DetachedSignatureVerifier(trustAnchorsPEM: signing.trustAnchorPEM))
    }

    func testAnEmptyBasisIsTheRegistrysInsuredSalaryOrPension() throws {
        let member = factory.member  // a pensioner in the fixture registry
        let pension = try XCTUnwrap(member.pension)
        let content = try factory.content("DANGPHI", receipt: december, form: ["kyNop": "12/2026", "nhomDangPhi": "pensioner"])
        guard case let .accepted(_, form, _, prefilled) = check.check(content, member: member) else {
            return XCTFail("accepted with the registry's pension: \(check.check(content, member: member))")
        }
        XCTAssertEqual(form["mucCanCuVND"], String(pension))
        XCTAssertTrue(prefilled.contains(PrefilledField(path: "$.data.form.mucCanCuVND", value: String(pension))))
        // Intake does not ask for what the registry will fill, but does for a basis it never holds.
        let rules = try XCTUnwrap(ProcedureCatalog.bundled().procedure("DANGPHI", at: december)?.dues)
        XCTAssertEqual(DuesDeclaration.problems(form: ["kyNop": "12/2026", "nhomDangPhi": "social-insurance"], rules: rules,
                                                components: [], registryFillsBasis: true), [])
        XCTAssertEqual(DuesDeclaration.problems(form: ["kyNop": "12/2026", "nhomDangPhi": "abroad"], rules: rules,
                                                components: [], registryFillsBasis: true).map(\.code), ["required"])
        // A member the registry has no pension for is asked for it, with the path.
        var unknown = member
        unknown.pension = nil
        guard case let .supplementRequested(_, problems) = check.check(content, member: unknown) else { return XCTFail("basis needed") }
        XCTAssertEqual(problems.map(\.path), ["$.data.form.mucCanCuVND"])
    }
}
