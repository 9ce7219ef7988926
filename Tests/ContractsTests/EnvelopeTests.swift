import Contracts
import Foundation
import XCTest

final class EnvelopeTests: XCTestCase {
    func testEnvelopeRoundTripsWithMillisecondTimes() throws {
        let submit = DossierSubmitV1(
            clientSubmissionId: "abc-1", procedureCode: ProcedureCode.officialTransfer, receivingOrganisationCode: "HN.CB01",
            submitter: Submitter(memberId: "DV1", fullName: "Trần Thị Bình"), form: ["lyDo": "Nghỉ hưu"])
        let time = Date(timeIntervalSince1970: 1_795_500_000.123)
        let envelope = Envelope(source: "urn:tthc:test", type: .dossierSubmit, time: time, data: submit)
        let decoded = try WireJSON.decode(Envelope<DossierSubmitV1>.self, from: try WireJSON.encode(envelope))
        XCTAssertEqual(decoded.data, submit)
        XCTAssertEqual(decoded.type, "vn.dang.tthc.dossier.submit.v1")
        XCTAssertEqual(decoded.specversion, "1.0")
        XCTAssertEqual(decoded.time.timeIntervalSince1970, time.timeIntervalSince1970, accuracy: 0.001)
    }

    func testUnknownFieldsAreIgnoredWithinAMajorVersion() throws {
        let json = """
            {"specversion":"1.0","id":"x1","source":"urn:a","type":"vn.dang.tthc.dossier.submit.v1",
             "time":"2026-11-24T08:00:00+07:00","futureField":{"a":1},
             "data":{"clientSubmissionId":"c","procedureCode":"DANGPHI","receivingOrganisationCode":"HN",
                     "submitter":{"memberId":"m","fullName":"n","nickname":"extra"},"form":{},"attachments":[],"newThing":true}}
            """
        let envelope = try WireJSON.decode(Envelope<DossierSubmitV1>.self, from: Array(json.utf8))
        XCTAssertEqual(envelope.data.submitter.memberId, "m")
        XCTAssertEqual(envelope.time, WireJSON.parseTimestamp("2026-11-24T01:00:00Z"))
    }

    func testTimestampsAreUTCWithMillisecondsAndRoundTrip() {
        let date = Date(timeIntervalSince1970: 1_795_500_000.25)
        let text = WireJSON.formatTimestamp(date)
        XCTAssertTrue(text.hasSuffix(".250Z"), text)
        XCTAssertEqual(WireJSON.parseTimestamp(text), date)
        XCTAssertEqual(WireJSON.parseTimestamp("2026-11-24T08:00:00+07:00"), WireJSON.parseTimestamp("2026-11-24T01:00:00Z"))
    }

    func testMessageTypeParsesNameAndMajor() {
        let type = MessageType(cloudEventType: "vn.dang.tthc.dossier.step-decided.v12")
        XCTAssertEqual(type?.name, "dossier.step-decided")
        XCTAssertEqual(type?.major, 12)
        XCTAssertEqual(type?.routingKey, "dossier.step-decided.v12")
        XCTAssertNil(MessageType(cloudEventType: "com.example.dossier.submit.v1"))
        XCTAssertNil(MessageType(cloudEventType: "vn.dang.tthc.dossier.submit"))
        XCTAssertNil(MessageType(cloudEventType: "vn.dang.tthc.dossier.submit.v0"))
    }
}

final class CodeTests: XCTestCase {
    func testDossierCodeUsesVietnamDayAndPadsTheSequence() {
        // 2026-11-24 18:30 UTC is already 25/11 in Vietnam (UTC+7).
        let late = WireJSON.parseTimestamp("2026-11-24T18:30:00Z")!
        XCTAssertEqual(DossierCode(organisationCode: "HN.CB0101", receivedAt: late, sequence: 42).description,
                       "HN.CB0101-261125-000042")
        XCTAssertEqual(DossierCode.isoDay(late), "2026-11-25")
        let early = WireJSON.parseTimestamp("2026-11-24T16:59:59Z")!
        XCTAssertEqual(DossierCode(organisationCode: "X", receivedAt: early, sequence: 1234567).description,
                       "X-261124-1234567")
    }

    func testResultCodeFollowsArticle17() {
        XCTAssertEqual(resultCode(holder: "001085000123", documentTypeCode: "GGT", number: "7-2026-HN.CB0001"),
                       "KQ.001085000123.GGT.7-2026-HN.CB0001")
    }
}
