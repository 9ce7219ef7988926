import Contracts
import Foundation
import XCTest

/// WireText's limits on fields (the rules; the property test in ServiceKitTests asks PostgreSQL).
final class WireTextTests: XCTestCase {
    func submit(_ change: (inout DossierSubmitV1) -> Void) -> DossierSubmitV1 {
        var submit = DossierSubmitV1(clientSubmissionId: "c-1", procedureCode: "CSHD.CHINHTHUC", receivingOrganisationCode: "HN.CB0101",
                                     submitter: Submitter(memberId: "DV0000001", fullName: "Nguyễn Văn An"), form: ["lyDo": "Chuyển\ncông tác"])
        change(&submit)
        return submit
    }

    func paths(_ submit: DossierSubmitV1) -> [String: String] {
        Dictionary(WireText.problems(in: submit).map { ($0.path, $0.code) }, uniquingKeysWith: { a, _ in a })
    }

    func testACleanSubmissionHasNoProblemAndLineBreaksAreAllowedInFormFieldsOnly() {
        XCTAssertEqual(paths(submit { _ in }), [:])
        XCTAssertEqual(paths(submit { $0.submitter.fullName = "An\nB" }), ["$.data.submitter.fullName": "control-character"])
    }

    func testLengthsCountCodePointsAsJSONSchemaDoesAndStricterFieldsKeepTheSchemasLimits() {
        // One letter with 200 combining marks is one character to Swift but 201 code points.
        let stacked = "a" + String(repeating: "\u{301}", count: 200)
        XCTAssertEqual(paths(submit { $0.clientSubmissionId = stacked }), ["$.data.clientSubmissionId": "too-long"])
        XCTAssertEqual(paths(submit { $0.submitter.memberId = String(repeating: "D", count: 65) }), ["$.data.submitter.memberId": "too-long"])
        XCTAssertEqual(paths(submit { $0.submitter.memberId = String(repeating: "D", count: 64) }), [:])
        XCTAssertEqual(paths(submit { $0.form["lyDo"] = String(repeating: "đ", count: 4001) }), ["$.data.form.lyDo": "too-long"])
    }

    func testFieldNamesOfAFormAreIdentifiersAndC1ControlsAreRefused() {
        XCTAssertEqual(paths(submit { $0.form = ["ly\u{0}Do": "x"] }).values.sorted(), ["control-character"])
        XCTAssertEqual(paths(submit { $0.submitter.fullName = "An\u{85}" }), ["$.data.submitter.fullName": "control-character"])
    }

    func testIntegersBeyondPostgreSQLsIntAndImpossibleDatesAreNamed() {
        var attachment = AttachmentReference(componentCode: "QD", fileName: "a.pdf", mediaType: "application/pdf", sizeBytes: 1, sha256: "x")
        attachment.sizeBytes = Int(Int32.max) + 1
        XCTAssertEqual(paths(submit { $0.attachments = [attachment] }), ["$.data.attachments[0].sizeBytes": "out-of-range"])
        XCTAssertNil(CalendarDate("2026-02-30"))
        XCTAssertNil(CalendarDate("9999-99-99"))
        XCTAssertNotNil(CalendarDate("2028-02-29"))
        XCTAssertNil(CalendarDate("2027-02-29"))
    }

    func testQuotedValuesAndStoredTextsAreBounded() {
        XCTAssertEqual(WireText.quote(String(repeating: "x", count: 10_000)).count, 64)
        XCTAssertEqual(WireText.storable("a\u{0}b\u{7}c"), "abc")
        XCTAssertEqual(WireText.storable(String(repeating: "y", count: 5000)).count, 1000)
    }
}
