import Contracts
import Foundation
import Messaging
import Persistence
import Signatures
import TestSupport
import XCTest

/// Issue 16: results with legal force (Đ.17–18, 21). Each result is signed by its issuing
/// organisation's own key, coded `KQ.<citizen id>.<type>.<n>-<year>-<organisation>` and
/// `<dossier>-KQ(n)`, verifiable by anyone through its unguessable link, and revocable by the
/// issuing organisation; a result whose organisation has no key waits, never unsigned.
final class ResultTests: XCTestCase, RoutingScenario {

    func submitAndWaitForDecision(_ system: SystemHarness, member: MemberRecord, on channel: IntakeTests.ReplyChannel) throws -> String {
        _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member))
        let code = try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: try channel.replies(1)[0].body).data.dossierCode
        try TestEnvironment.eventually(timeout: 60, "decided") { try self.routeStatus(code) == "decided:approved" }
        return code
    }

    func result(_ code: String) throws -> (status: String, organisation: String)? {
        guard let row = try TestEnvironment.value(
            "SELECT status || ' ' || issuing_organisation_code FROM archive.results WHERE dossier_code = $1 AND result_number = 1", [code])
        else { return nil }
        let parts = row.split(separator: " ")
        return (String(parts[0]), String(parts[1]))
    }

    func testAResultIsSignedCodedVerifiableAndRevokedByItsOrganisation() async throws {
        let system = try SystemHarness()
        try system.startAll()
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        let channel = try IntakeTests.ReplyChannel()
        var issued: ResultIssuedV1?
        let listener = try TestEnvironment.amqp()
        defer { listener.close() }
        let events = try listener.declareQueue("", durable: false, exclusive: true, autoDelete: true).name
        try listener.bindQueue(events, exchange: Exchange.events, routingKey: MessageType.resultIssued.routingKey)
        let code = try submitAndWaitForDecision(system, member: member, on: channel)
        try TestEnvironment.eventually("result issued") {
            while let delivery = try listener.get(queue: events) {
                let envelope = try WireJSON.decode(Envelope<ResultIssuedV1>.self, from: delivery.body)
                if envelope.subject == code { issued = envelope.data }
            }
            return issued != nil
        }
        let result = try XCTUnwrap(issued)
        let organisation = try XCTUnwrap(result.issuingOrganisationCode)
        let year = Calendar(identifier: .gregorian).component(.year, from: Date())
        XCTAssertEqual(result.resultCode, "KQ.\(member.citizenId).GGT.1-\(year)-\(organisation)")
        XCTAssertEqual(result.storeCode, "\(code)-KQ(1)")

        // The stored bytes carry the organisation's signature (its certificate: TCD:<code>).
        let db = try TestEnvironment.database(role: "archive", schema: "archive")
        defer { db.close() }
        let row = try XCTUnwrap(try db.execute("SELECT document, signature FROM results WHERE dossier_code = $1", [code]).first)
        let anchors = try Data(contentsOf: URL(fileURLWithPath: ProcessInfo.processInfo.environment["TTHC_SIGNATURE_TRUST_ANCHORS"] ?? ""))
        let signed = try DetachedSignatureVerifier(trustAnchorsPEM: Array(anchors))
            .verify(signature: try row.bytes("signature"), content: try row.bytes("document"), fallbackTime: Date())
        XCTAssertEqual(signed.subjectSerialNumber, "TCD:\(organisation)")
        XCTAssertEqual(sha256Hex(try row.bytes("document")), result.sha256)

        // Anyone with the link: valid, the name masked; the page says so in Vietnamese.
        let link = try XCTUnwrap(result.verificationURL)
        let token = String(link.split(separator: "/").last ?? "")
        XCTAssertEqual(token.count, 43)
        let json = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/verify/\(token)"))
        XCTAssertTrue(json.body.contains(#""status":"valid""#) && json.body.contains(#""signatureValid":true"#), json.body)
        XCTAssertFalse(json.body.contains(member.fullName), "the holder's full name is never public")
        XCTAssertTrue(link.hasPrefix("\(archive)/xac-thuc/"), link)
        let page = try XCTUnwrap(HTTPProbe.get(link))
        let maskedCode = result.resultCode.replacingOccurrences(
            of: member.citizenId, with: member.citizenId.prefix(3) + "******" + member.citizenId.suffix(3))
        XCTAssertTrue(page.status == 200 && page.body.contains("Kết quả HỢP LỆ") && page.body.contains(maskedCode), page.body)
        XCTAssertFalse(page.body.contains(member.citizenId) || json.body.contains(member.citizenId), "the citizen id is never public")
        // What a person sees on a phone (headless Chromium, the page printed and read back): the verdict,
        // the document, the issuing organisation, the holder's masked name; never the citizen id.
        let seen = try BrowserView(url: link)
        let names = member.fullName.split(separator: " ")
        let maskedName = ([String(names[0])] + names.dropFirst().map { "\($0.prefix(1))." }).joined(separator: " ")
        let seenText = seen.visibleText.filter { !$0.isWhitespace }
        for expected in ["Kết quả HỢP LỆ", "Giấy giới thiệu sinh hoạt đảng (GGT)", organisation, maskedCode,
                         maskedName, "Chữ ký số"] {
            XCTAssertTrue(seenText.contains(expected.filter { !$0.isWhitespace }), "\(expected) not seen in: \(seen.visibleText)")
        }
        XCTAssertFalse(seenText.contains(member.citizenId), seen.visibleText)
        XCTAssertTrue(seen.dom.contains(#"<meta name="viewport" content="width=device-width"#), "laid out for a phone's width")
        // Forged or truncated tokens are unknown, never an error with internals.
        for forged in [String(token.dropLast()), String(token.reversed()), "../../etc/passwd", "x' OR '1'='1"] {
            let answer = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/verify/\(forged.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"))
            XCTAssertTrue(answer.body.contains(#""status":"unknown""#), "\(forged): \(answer.body)")
        }
        let unknownPage = try XCTUnwrap(HTTPProbe.get("\(archive)/xac-thuc/\(String(token.reversed()))"))
        XCTAssertTrue(unknownPage.status == 404 && unknownPage.body.contains("Không tìm thấy kết quả"), unknownPage.body)

        // The paper copy (Đ.21): its QR code, read from the printed page, leads to "valid"; its text is the result's.
        let paper = try PaperScan(pdfURL: "\(link)/ban-giay.pdf")
        XCTAssertEqual(paper.qrLink, link)
        XCTAssertTrue(paper.text.contains("GIẤYGIỚITHIỆUSINHHOẠTĐẢNG") && paper.text.contains(member.fullName.filter { !$0.isWhitespace })
                      && paper.text.contains(result.resultCode), paper.text)
        let scanned = try XCTUnwrap(HTTPProbe.get(paper.qrLink.replacingOccurrences(of: "/xac-thuc/", with: "/v1/verify/")))
        XCTAssertTrue(scanned.body.contains(#""status":"valid""#), scanned.body)

        // Revocation (Đ.18): only the issuing organisation, with a reason; twice is answered, not repeated.
        func revoke(_ resultCode: String, as organisation: String, reason: String = "Cấp nhầm đối tượng") async throws -> (status: Int, body: String) {
            let token = try await self.token(organisation)
            return try XCTUnwrap(HTTPProbe.post("\(archive)/v1/results/\(resultCode)/revocation",
                                                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                                body: #"{"reason": "\#(reason)"}"#))
        }
        let byOther = try await revoke(result.resultCode, as: "\(organisation)9")
        XCTAssertEqual(byOther.status, 403)
        let unknown = try await revoke("KQ.000000000000.GGT.1-2026-X", as: organisation)
        XCTAssertEqual(unknown.status, 404)
        let first = try await revoke(result.resultCode, as: organisation)
        XCTAssertEqual(first.status, 200, first.body)
        let again = try await revoke(result.resultCode, as: organisation, reason: "Lý do khác")
        XCTAssertEqual(again.status, 200)
        XCTAssertEqual(try WireJSON.decode(ResultRevokedV1.self, from: Array(again.body.utf8)),
                       try WireJSON.decode(ResultRevokedV1.self, from: Array(first.body.utf8)))
        let revoked = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/verify/\(token)"))
        XCTAssertTrue(revoked.body.contains(#""status":"revoked""#) && revoked.body.contains("revokedAt"), revoked.body)
        XCTAssertFalse(revoked.body.contains("Cấp nhầm đối tượng"), "the reason stays with the organisations and the member")
        // The same paper copy, scanned again: revoked from that instant; no new copy is printed.
        let revokedPage = try XCTUnwrap(HTTPProbe.get(paper.qrLink))
        XCTAssertTrue(revokedPage.body.contains("ĐÃ BỊ THU HỒI"), revokedPage.body)
        let seenRevoked = try BrowserView(url: paper.qrLink)
        XCTAssertTrue(seenRevoked.visibleText.contains("Kết quả ĐÃ BỊ THU HỒI") && seenRevoked.visibleText.contains("Thu hồi lúc"),
                      seenRevoked.visibleText)
        XCTAssertEqual(HTTPProbe.get("\(link)/ban-giay.pdf")?.status, 410)
        try TestEnvironment.eventually("the timeline and the member know") {
            try TestEnvironment.value("""
                SELECT status FROM intake.dossier_events WHERE dossier_code = $1 AND status IS NOT NULL
                ORDER BY occurred_at DESC, message_id DESC LIMIT 1
                """, [code]) == "result-revoked"
                && TestEnvironment.count("""
                    SELECT count(*) AS n FROM notification.notices WHERE dossier_code = $1 AND source_type = 'result.revoked.v1'
                        AND ((recipient_kind = 'member' AND recipient_id = $2) OR (recipient_kind = 'organisation' AND recipient_id = $3))
                    """, [code, member.memberId, organisation]) == 2
        }
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                                                 [code, MessageType.resultRevoked.routingKey]), 1, "announced once")
        try system.stopAll()
    }

    func testAResultWhoseOrganisationHasNoKeyWaitsUnsignedNeverIssuedAndIsIssuedOnceTheKeyIsThere() async throws {
        let system = try SystemHarness()
        let clock = try ControllableClock("2026-12-01 09:00")
        try system.startAll(environment: clock.environment)
        let member = TestEnvironment.members(1, organisation: system.organisation)[0]
        try TestEnvironment.registerMembersReplicated([member])
        // Every organisation of the test's tree loses its key.
        let keys = DevelopmentOrganisationKeys.directory
        let tag = String(system.organisation.prefix { $0 != "." }.dropLast())
        for file in try FileManager.default.contentsOfDirectory(atPath: keys.path) where file.hasPrefix(tag) {
            try FileManager.default.removeItem(at: keys.appendingPathComponent(file))
        }
        let code = try submitAndWaitForDecision(system, member: member, on: try IntakeTests.ReplyChannel())
        try TestEnvironment.eventually("held") { try self.result(code)?.status == "held" }
        XCTAssertNil(try TestEnvironment.value("SELECT signature::text FROM archive.results WHERE dossier_code = $1", [code]))
        XCTAssertEqual(try TestEnvironment.count("SELECT count(*) AS n FROM intake.dossier_events WHERE dossier_code = $1 AND event_type = $2",
                                                 [code, MessageType.resultIssued.routingKey]), 0, "never issued unsigned")
        // Operators see it waiting, per organisation.
        let organisation = try XCTUnwrap(result(code)?.organisation)
        let auditor = try await token(organisation, role: "auditor")
        let held = try XCTUnwrap(HTTPProbe.get("\(archive)/v1/results/held", headers: ["Authorization": "Bearer \(auditor)"]))
        XCTAssertTrue(held.status == 200 && held.body.contains(#"{"held":1,"#) && held.body.contains(#""organisationCode":"\#(organisation)""#),
                      held.body)
        // … on /metrics, per organisation (every replica reads the same figure from the table) …
        let gauge = #"tthc_results_held_results{service="archive",organisation="\#(organisation)"}"#
        XCTAssertTrue(HTTPProbe.get("\(archive)/metrics")?.body.contains("\(gauge) 1") == true)
        // … and with tthc-admin, as an auditor or the organisation's officer.
        let listed = try system.admin(["results", "held", "--archive-url", archive, "--token", auditor])
        XCTAssertTrue(listed.hasPrefix("\(organisation)\t1\t"), listed)
        // The key arrives; at the next try the result is issued.
        try TestEnvironment.registerOrganisations(around: system.organisation)
        try clock.set("2026-12-01 09:02")
        try TestEnvironment.eventually("issued once the key is there") { try self.result(code)?.status == "issued" }
        XCTAssertTrue(HTTPProbe.get("\(archive)/metrics")?.body.contains("\(gauge) 0") == true, "no longer held")
        try system.stopAll()
    }
}
