import Calendar
import Contracts
import Foundation
import XCTest

final class CatalogTests: XCTestCase {
    func testTheFourProceduresAreInTheCatalogWithTheirTimeLimitsAndFormCodes() throws {
        let catalog = try ProcedureCatalog.bundled()
        let now = WireJSON.parseTimestamp("2026-11-24T02:00:00Z")!
        for code in ProcedureCode.all {
            let procedure = try XCTUnwrap(catalog.procedure(code, at: now), code)
            XCTAssertGreaterThan(procedure.processingTimeLimit.workingDays, 0, code)
            XCTAssertEqual(procedure.form.code, "\(code).\(procedure.form.symbol)", "form code of \(code) (Đ.28.3b)")
        }
    }

    func testADossierIsJudgedByTheVersionInForceAtItsReceipt() throws {
        func version(_ n: Int, from: String) throws -> ProcedureVersion {
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.catalogFile("DANGPHI.v1.json"))) as! [String: Any]
            json["version"] = n
            json["effectiveFrom"] = from
            return try WireJSON.decode(ProcedureVersion.self, from: Array(try JSONSerialization.data(withJSONObject: json)))
        }
        let catalog = ProcedureCatalog(versions: [try version(2, from: "2026-02-01T00:00:00+07:00"),
                                                  try version(1, from: "2026-01-01T00:00:00+07:00")])
        XCTAssertEqual(catalog.procedure("DANGPHI", at: WireJSON.parseTimestamp("2026-01-31T16:59:59Z")!)?.version, 1)
        XCTAssertEqual(catalog.procedure("DANGPHI", at: WireJSON.parseTimestamp("2026-01-31T17:00:00Z")!)?.version, 2)
        XCTAssertNil(catalog.procedure("DANGPHI", at: WireJSON.parseTimestamp("2025-12-31T16:00:00Z")!))
    }

    static func catalogFile(_ name: String) -> URL {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Shared/Contracts/Catalog/\(name)")
    }
}

extension CatalogTests {
    /// The deadline the member is shown is the one the route meets: the published limit, or a
    /// residence-comments campaign's day plus the step after it (the requester records the answer).
    func testTheShownDeadlineIsTheLimitOrTheCampaignDayPlusTheStepsAfterIt() throws {
        let catalog = try ProcedureCatalog.bundled()
        let calendar = try WorkingCalendar.bundled()
        let comments = try XCTUnwrap(catalog.procedure("NHANXET.CUTRU", at: Date()))
        let receipt = try XCTUnwrap(VietnamTime.parse(local: "2026-12-01 09:00"))
        func shown(_ form: [String: String]) throws -> String {
            VietnamTime.display(try comments.deadline(officialReceiptAt: receipt, form: form, calendar: calendar))
        }
        // 15 working days from Tuesday 1/12/2026.
        XCTAssertEqual(try shown([:]), "17:00 22/12/2026")
        // Answer by the end of Thursday 31/12; then LUU's 1 working day, counted in the working
        // calendar from that midnight (a holiday, 1/1/2027, then a weekend): the end of Tuesday 5/1.
        XCTAssertEqual(try shown(["hanTraLoi": "2026-12-31"]), "17:00 05/01/2027")
        XCTAssertNotEqual(try shown(["hanTraLoi": "2026-12-31"]), try shown([:]))
    }
}

final class DuesTests: XCTestCase {
    func rules() throws -> DuesRules {
        try XCTUnwrap(ProcedureCatalog.bundled().procedure("DANGPHI", at: WireJSON.parseTimestamp("2026-11-24T00:00:00Z")!)?.dues)
    }

    let november = WireJSON.parseTimestamp("2026-10-31T17:00:00Z")!  // 1/11/2026 in Vietnam

    func testRatesFollowTheMembersGroup() throws {
        let dues = try rules()
        XCTAssertEqual(try dues.amountDue(group: "social-insurance", basisVND: 12_345_000, month: november), 123_450)
        XCTAssertEqual(try dues.amountDue(group: "pensioner", basisVND: 8_000_001, month: november), 40_000)
        XCTAssertEqual(try dues.amountDue(group: "student", basisVND: nil, month: november), 5_000)
    }

    func testExemptionsAndReductionsComeFromTheData() throws {
        let dues = try rules()
        XCTAssertEqual(try dues.amountDue(group: "pensioner", basisVND: 9_000_000, month: november,
                                          relief: .exemption("membership-50-years")), 0)
        XCTAssertEqual(try dues.amountDue(group: "social-insurance", basisVND: 10_000_000, month: november,
                                          relief: .reduction(percent: 30)), 70_000)
        XCTAssertThrowsError(try dues.amountDue(group: "social-insurance", basisVND: 10_000_000, month: november,
                                                relief: .reduction(percent: 40))) {
            XCTAssertEqual($0 as? DuesError, .reductionNotAllowed(40))
        }
        XCTAssertThrowsError(try dues.amountDue(group: "social-insurance", basisVND: nil, month: november))
    }

    /// Months before Quy định 01-QĐ/TW (1/2/2026) use the rule then in force, Quyết định
    /// 342-QĐ/TW (from 1/4/2011): a member paying late for January 2026 owes its rate, not "no rate".
    func testMonthsBeforeFebruary2026UseTheRuleThenInForce() throws {
        let dues = try rules()
        let january2026 = WireJSON.parseTimestamp("2025-12-31T17:00:00Z")!
        let february2026 = WireJSON.parseTimestamp("2026-01-31T17:00:00Z")!
        XCTAssertEqual(try dues.amountDue(group: "student", basisVND: nil, month: january2026), 2_000)
        XCTAssertEqual(try dues.amountDue(group: "student", basisVND: nil, month: february2026), 5_000)
        XCTAssertEqual(try dues.amountDue(group: "sick-or-maternity-leave", basisVND: 6_000_000, month: january2026), 30_000)
        XCTAssertEqual(try dues.amountDue(group: "sick-or-maternity-leave", basisVND: 6_000_000, month: february2026), 60_000)
        XCTAssertEqual(try dues.amountDue(group: "pensioner", basisVND: 8_000_000, month: january2026), 40_000)
        // Before any rule in the data (Quyết định 09-QĐ/TW of 2001 is not entered): refused, never guessed.
        let march2011 = WireJSON.parseTimestamp("2011-02-28T17:00:00Z")!
        XCTAssertThrowsError(try dues.amountDue(group: "student", basisVND: nil, month: march2011)) {
            XCTAssertEqual($0 as? DuesError, .noRatesInForce)
        }
    }
}

/// DANGPHI version 2: the member's declaration, judged against the rules with the form's paths.
final class DuesDeclarationTests: XCTestCase {
    let december = DuesMonth(year: 2026, month: 12)

    func rules() throws -> DuesRules {
        try XCTUnwrap(ProcedureCatalog.bundled().procedure("DANGPHI", at: december.start)?.dues)
    }

    func testVersion2RatesAreWholeBasisPointsAndRoundByTheData() throws {
        let dues = try rules()
        XCTAssertEqual(try dues.rate(group: "pensioner", month: december.start).basisPoints, 50)
        XCTAssertEqual(dues.rounding, DuesRules.Rounding(unitVND: 1, mode: .halfUp))
        // 0.5 % of 8,000,001 = 40,000.005 → 40,000; a 70 % reduction of 1 % of 1,234,567 = 3,703.701 → 3,704.
        XCTAssertEqual(try dues.amountDue(group: "pensioner", basisVND: 8_000_001, month: december.start, relief: nil), 40_000)
        XCTAssertEqual(try dues.amountDue(group: "social-insurance", basisVND: 1_234_567, month: december.start,
                                          relief: .reduction(percent: 70)), 3_704)
        XCTAssertEqual(DuesRules.Rounding(unitVND: 1_000, mode: .up).apply(12_001 * 100, over: 100), 13_000)
        XCTAssertEqual(DuesRules.Rounding(unitVND: 100, mode: .halfUp).apply(12_350, over: 1), 12_400)
        XCTAssertEqual(DuesRules.Rounding(unitVND: 100, mode: .down).apply(12_399, over: 1), 12_300)
    }

    func testEveryProblemOfADeclarationHasItsPath() throws {
        let dues = try rules()
        func problems(_ form: [String: String], components: Set<String> = []) -> [String] {
            DuesDeclaration.problems(form: ["kyNop": "12/2026", "nhomDangPhi": "social-insurance"].merging(form) { $1 }, rules: dues,
                                     components: components).map { "\($0.code) \($0.path)" }
        }
        XCTAssertEqual(problems(["mucCanCuVND": "9500000"]), [])
        XCTAssertEqual(problems([:]), ["required $.data.form.mucCanCuVND"])
        XCTAssertEqual(problems(["mucCanCuVND": "900000000"]), ["out-of-range $.data.form.mucCanCuVND"])
        XCTAssertEqual(problems(["nhomDangPhi": "student", "soThangNop": "13"]), ["out-of-range $.data.form.soThangNop"])
        XCTAssertEqual(problems(["mucCanCuVND": "9500000", "mienGiam": "giam-50", "soThangMienGiam": "13"]),
                       ["out-of-range $.data.form.soThangMienGiam", "missing-component $.data.attachments"])
        XCTAssertEqual(problems(["mucCanCuVND": "9500000", "mienGiam": "giam-50"], components: ["MG"]), [])
        XCTAssertEqual(problems(["kyNop": "01/2010", "nhomDangPhi": "student"]), ["out-of-range $.data.form.kyNop"])
    }

    /// Intake's technical check rejects a negative or absurd basis with its path, before any dossier exists.
    func testIntakeRejectsANegativeOrAbsurdBasisWithItsPath() throws {
        let procedure = try XCTUnwrap(ProcedureCatalog.bundled().procedure("DANGPHI", at: december.start))
        func problems(_ basis: String) -> [String] {
            let submit = DossierSubmitV1(clientSubmissionId: "c1", procedureCode: "DANGPHI", receivingOrganisationCode: "HN.CB0001",
                                         submitter: Submitter(memberId: "DV1", fullName: "Nguyễn Văn An"), formVersion: "2026.2",
                                         form: ["kyNop": "12/2026", "nhomDangPhi": "social-insurance", "mucCanCuVND": basis], attachments: [])
            return TechnicalCheck.problems(in: submit, procedure: procedure).map { "\($0.code) \($0.path)" }
        }
        XCTAssertEqual(problems("9500000"), [])
        XCTAssertEqual(problems("-9500000"), ["invalid-value $.data.form.mucCanCuVND"])
        XCTAssertEqual(problems("900000000"), ["out-of-range $.data.form.mucCanCuVND"], "over the data's largest basis")
    }

    func testTheDeclarationReadsTheFormsFields() {
        let declared = DuesDeclaration(form: ["kyNop": "11/2026", "soThangNop": "3", "nhomDangPhi": "pensioner", "mucCanCuVND": "8000000",
                                              "mienGiam": "giam-30", "soThangMienGiam": "2", "nopThemVND": "1000"])
        XCTAssertEqual(declared, DuesDeclaration(firstMonth: DuesMonth(year: 2026, month: 11), months: 3, group: "pensioner", basisVND: 8_000_000,
                                                 relief: .reduction(percent: 30), reliefMonths: 2, extraVND: 1_000))
        XCTAssertEqual(declared?.monthList.map(\.description), ["2026-11", "2026-12", "2027-01"])
        XCTAssertNil(declared?.relief(for: DuesMonth(year: 2027, month: 1)))
        XCTAssertNil(DuesDeclaration(form: ["kyNop": "11/2026"]), "a version 1 form declares no group")
    }
}
