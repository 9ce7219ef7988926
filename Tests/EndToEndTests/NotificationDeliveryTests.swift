import Contracts
import Development
import Foundation
import Messaging
import Persistence
import ServiceKit
import TestSupport
import XCTest

/// Notices leave the system (Đ.14.4): by e-mail through the real Postfix (`Deploy/local/mailserver.sh`,
/// read back from its Maildir) and by SMS through the gateway sandbox's brandname SMS, with their
/// delivery states, retries and give-up, whatever the mail server, the gateway or a SIGKILL does.
final class NotificationDeliveryTests: XCTestCase, RoutingScenario {
    let scenario = NotificationScenario()
    var notification: String { scenario.notification }

    func testADossiersNoticesArriveByEmailAndSMSInVietnameseARefusedAddressBouncesAndNoAddressMeansAccountOnly() async throws {
        let system = try scenario.startSystem()
        defer { _ = try? system.stopAll() }
        let tag = system.organisation.lowercased()
        var people = scenario.members(3, system) { $0 == 1 ? "khongtontai.\(tag)@example.vn" : nil }
        people[2].email = nil
        people[2].phone = nil
        try scenario.register(people)
        let codes = try scenario.submit(people, system)
        let (reader, refused, unreachable) = (people[0], people[1], people[2])

        // The reader's dossier runs to its result; every notice goes by e-mail and by SMS.
        try TestEnvironment.eventually(timeout: 60, "the result is issued and told") {
            try TestEnvironment.count("""
                SELECT count(*) AS n FROM notification.notices WHERE recipient_id = $1 AND source_type = 'result.issued.v1'
                """, [reader.memberId]) == 1
        }
        let notices = try scenario.noticeIds(reader)
        try TestEnvironment.eventually(timeout: 60, "every e-mail handed to Postfix and every SMS delivered") {
            try self.scenario.deliveries(reader, channel: "email", state: "sent") == notices.count
                && self.scenario.deliveries(reader, channel: "sms", state: "delivered") == notices.count
        }
        try TestEnvironment.eventually("the Maildir has them all") { Maildir.mails(to: reader.email!).count == notices.count }
        let mails = Maildir.mails(to: reader.email!)
        XCTAssertEqual(Set(mails.map(\.messageId)), Set(notices.map { "<thong-bao-\($0)@tthc.dang.vn>" }), "Message-IDs from the notices")
        let received = try XCTUnwrap(mails.first { $0.subject == "Hồ sơ \(codes[0]) đã được tiếp nhận" }, mails.map(\.subject).description)
        XCTAssertTrue(received.rawSubject.hasPrefix("=?UTF-8?B?"), "a UTF-8 subject as encoded-words: \(received.rawSubject)")
        XCTAssertEqual(received.headers["to"], reader.email)
        XCTAssertTrue(received.headers["content-type"]?.contains("charset=UTF-8") == true)
        XCTAssertTrue(received.body.hasPrefix("Kính gửi đồng chí \(reader.fullName),"), received.body)
        XCTAssertTrue(received.body.contains("Hồ sơ \(codes[0]) đã được tiếp nhận lúc "), received.body)
        XCTAssertTrue(mails.contains { $0.subject == "Kết quả giải quyết hồ sơ \(codes[0]) đã được cấp" })
        let sms = try scenario.smsTaken(for: reader)
        XCTAssertEqual(sms.count, notices.count)
        XCTAssertTrue(sms.contains { $0.message.hasPrefix("Ho so \(codes[0]) da duoc tiep nhan luc ") }, sms.map(\.message).description)
        XCTAssertTrue(sms.allSatisfy { $0.reportStatus == "DELIVERED" && $0.requests == 1 })

        // The refused address: bounced at once (5xx at RCPT), never retried; its SMS still goes.
        try TestEnvironment.eventually("the refused address bounces") { try self.scenario.deliveries(refused, channel: "email", state: "bounced") >= 2 }
        XCTAssertEqual(try TestEnvironment.value("""
            SELECT max(attempts)::text FROM notification.deliveries d JOIN notification.notices n ON n.id = d.notice_id
            WHERE n.recipient_id = $1 AND d.channel = 'email'
            """, [refused.memberId]), "1")
        XCTAssertTrue(try TestEnvironment.value("""
            SELECT last_error FROM notification.deliveries d JOIN notification.notices n ON n.id = d.notice_id
            WHERE n.recipient_id = $1 AND d.channel = 'email' LIMIT 1
            """, [refused.memberId])?.contains("550") == true)
        XCTAssertTrue(Maildir.mails(to: refused.email!).isEmpty)
        try TestEnvironment.eventually("the refused member's SMS are delivered") { try self.scenario.deliveries(refused, channel: "sms", state: "delivered") >= 2 }
        XCTAssertGreaterThan(system.metric("notification", #"tthc_notice_deliveries_total"#), 0)

        // No address: the account only, never an error.
        try TestEnvironment.eventually("the member without contacts has notices") { try self.scenario.noticeIds(unreachable).count >= 2 }
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM notification.deliveries d JOIN notification.notices n ON n.id = d.notice_id WHERE n.recipient_id = $1
            """, [unreachable.memberId]), 0)

        // The portal that submitted the dossier reads the member's inbox and marks a notice read; another portal may not.
        let portal = try await token("portal-test", person: "portal-test", role: "portal")
        let page = try XCTUnwrap(HTTPProbe.get("\(notification)/v1/members/\(reader.memberId)/notices?limit=2",
                                               headers: ["Authorization": "Bearer \(portal)"]))
        XCTAssertEqual(page.status, 200, page.body)
        let inbox = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
        XCTAssertEqual(inbox["unread"] as? Int, notices.count)
        let first = try XCTUnwrap((inbox["notices"] as? [[String: Any]])?.first?["id"] as? Int)
        XCTAssertNotNil(inbox["nextBefore"] as? Int, "more than one page")
        let read = HTTPProbe.post("\(notification)/v1/members/\(reader.memberId)/notices/\(first)/read",
                                  headers: ["Authorization": "Bearer \(portal)"], body: "")
        XCTAssertEqual(read?.status, 200, read?.body ?? "")
        let after = HTTPProbe.get("\(notification)/v1/members/\(reader.memberId)/notices", headers: ["Authorization": "Bearer \(portal)"])
        XCTAssertTrue(after?.body.contains(#""unread":\#(notices.count - 1)"#) == true, after?.body ?? "")
        let stranger = try await token("portal-demo", person: "portal-demo", role: "portal")
        XCTAssertEqual(HTTPProbe.get("\(notification)/v1/members/\(reader.memberId)/notices",
                                     headers: ["Authorization": "Bearer \(stranger)"])?.status, 403)
        XCTAssertEqual(try TestEnvironment.count("""
            SELECT count(*) AS n FROM notification.audit_log WHERE action = 'read-member-notices' AND allowed = false AND detail = $1
            """, [reader.memberId]), 1)

        // Once portal-demo submitted a dossier of its own for the member, it reads the notices of that one only.
        let other = SampleDossier.submit(organisation: system.organisation, member: reader)
        let demo = try TestEnvironment.amqp(user: "portal-demo", confirms: true)
        let message = try SampleDossier.message(other, userId: "portal-demo")
        try demo.publish(exchange: Exchange.intake, routingKey: MessageType.dossierSubmit.routingKey, body: message.body, properties: message.properties)
        try demo.waitForConfirms()
        demo.close()
        try TestEnvironment.eventually("portal-demo's dossier is told") {
            try TestEnvironment.count("SELECT count(*) AS n FROM notification.dossier_portals WHERE member_id = $1 AND integrator = 'portal-demo'",
                                      [reader.memberId]) == 1
        }
        let theirs = try XCTUnwrap(HTTPProbe.get("\(notification)/v1/members/\(reader.memberId)/notices?limit=500",
                                                 headers: ["Authorization": "Bearer \(stranger)"]))
        XCTAssertEqual(theirs.status, 200, theirs.body)
        XCTAssertFalse(theirs.body.contains(codes[0]), "not the notices of portal-test's dossier")
        let ours = HTTPProbe.get("\(notification)/v1/members/\(reader.memberId)/notices?limit=500", headers: ["Authorization": "Bearer \(portal)"])
        XCTAssertTrue(ours?.body.contains(codes[0]) == true)
        let disguised = try await token(system.organisation, person: "x", role: "portal")
        XCTAssertEqual(HTTPProbe.get("http://127.0.0.1:\(SystemHarness.ports["payment"]!)/v1/organisations/\(system.organisation)/dues/2026-12",
                                     headers: ["Authorization": "Bearer \(disguised)"])?.status, 401, "a portal's token opens no officers' edge")
    }
}
