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
                                          exemption: "membership-50-years"), 0)
        XCTAssertEqual(try dues.amountDue(group: "social-insurance", basisVND: 10_000_000, month: november,
                                          reductionPercent: 30), 70_000)
        XCTAssertThrowsError(try dues.amountDue(group: "social-insurance", basisVND: 10_000_000, month: november,
                                                reductionPercent: 40)) {
            XCTAssertEqual($0 as? DuesError, .reductionNotAllowed(40))
        }
        XCTAssertThrowsError(try dues.amountDue(group: "social-insurance", basisVND: nil, month: november))
    }

    func testNoRateBeforeTheRulesTookEffect() throws {
        let january = WireJSON.parseTimestamp("2025-12-31T17:00:00Z")!
        XCTAssertThrowsError(try rules().amountDue(group: "student", basisVND: nil, month: january)) {
            XCTAssertEqual($0 as? DuesError, .noRatesInForce)
        }
    }
}
