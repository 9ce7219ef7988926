import Contracts
import Development
import Foundation
import Messaging
import Persistence
import SMSGateways
import ServiceKit
import TestSupport
import XCTest

/// The notification tests' world: the system with e-mail (the real Postfix of
/// `Deploy/local/mailserver.sh`, read back from its Maildir) and SMS (the gateway sandbox's
/// brandname SMS) switched on, members with their own mailboxes and phones, and what each
/// delivery became.
struct NotificationScenario {
    let notification = "http://127.0.0.1:\(SystemHarness.ports["notification"]!)"
    let sandbox = "http://127.0.0.1:\(SystemHarness.sandboxPort)"
    static let smsSecret = "sms-sandbox-secret"

    /// The channels on: Postfix as servers.sh runs it, the sandbox's SMS gateway, short back-offs.
    static func deliveryEnvironment(giveUpSeconds: Int = 600) -> [String: String] {
        let env = ProcessInfo.processInfo.environment
        var delivery = ["TTHC_SMS_GATEWAY_URL": "http://127.0.0.1:\(SystemHarness.sandboxPort)", "TTHC_SMS_PARTNER_ID": "TTHC",
                        "TTHC_SMS_SECRET": smsSecret,
                        "TTHC_SMS_CALLBACK_URL": "http://127.0.0.1:\(SystemHarness.ports["notification"]!)/v1/sms-gateways/brandname/delivery-reports",
                        "TTHC_NOTIFICATION_RETRY_FIRST_SECONDS": "1", "TTHC_NOTIFICATION_RETRY_LONGEST_SECONDS": "2",
                        "TTHC_NOTIFICATION_GIVE_UP_SECONDS": String(giveUpSeconds)]
        for name in ["TTHC_SMTP_URL", "TTHC_SMTP_USERNAME", "TTHC_SMTP_PASSWORD", "TTHC_SMTP_CA_FILE", "TTHC_SMTP_FROM"] {
            delivery[name] = env[name]
        }
        return delivery
    }

    func startSystem(giveUpSeconds: Int = 600) throws -> SystemHarness {
        let system = try SystemHarness()
        try system.startGatewaySandbox(environment: ["TTHC_SMS_PARTNER_ID": "TTHC", "TTHC_SMS_SECRET": Self.smsSecret])
        try system.startAll(environment: Self.deliveryEnvironment(giveUpSeconds: giveUpSeconds))
        return system
    }

    /// Members of the test's cell with their own mailboxes and phones (unique to the test).
    func members(_ count: Int, _ system: SystemHarness, channels: [NotificationChannel] = [.email, .sms],
                 address: (Int) -> String? = { _ in nil }) -> [MemberRecord] {
        let tag = system.organisation.lowercased()
        let phoneBase = Int.random(in: 100_000...899_999) * 100
        return TestEnvironment.members(count, organisation: system.organisation).enumerated().map { index, member in
            var member = member
            member.email = address(index) ?? "\(tag).dv\(index + 1)@example.vn"
            member.phone = "09" + String(format: "%08d", phoneBase + index)
            member.notificationChannels = channels
            return member
        }
    }

    func register(_ members: [MemberRecord]) throws {
        try TestEnvironment.registerMembersReplicated(members)
        try TestEnvironment.eventually("notification knows their contacts") {
            try TestEnvironment.count("SELECT count(*) AS n FROM notification.contacts WHERE recipient_id = ANY($1::text[])",
                                      [PostgresArray(members.map(\.memberId))]) == members.count
        }
    }

    /// Submits a dossier for each member as the portal `portal-test`; returns their codes, in the members' order.
    func submit(_ members: [MemberRecord], _ system: SystemHarness) throws -> [String] {
        let channel = try IntakeTests.ReplyChannel()
        for member in members { _ = try channel.submit(SampleDossier.submit(organisation: system.organisation, member: member)) }
        // Receipts come in any order: each is matched to its member.
        let receipts = try channel.replies(members.count).map { try WireJSON.decode(Envelope<DossierReceivedV1>.self, from: $0.body).data }
        let byMember = Dictionary(receipts.map { ($0.submitter.memberId, $0.dossierCode) }, uniquingKeysWith: { first, _ in first })
        return try members.map { try XCTUnwrap(byMember[$0.memberId], "a receipt for \($0.memberId)") }
    }

    func deliveries(_ member: MemberRecord, channel: String, state: String? = nil) throws -> Int {
        try TestEnvironment.count("""
            SELECT count(*) AS n FROM notification.deliveries d JOIN notification.notices n ON n.id = d.notice_id
            WHERE n.recipient_id = $1 AND d.channel = $2 AND ($3::text IS NULL OR d.state = $3)
            """, [member.memberId, channel, state])
    }

    func noticeIds(_ member: MemberRecord) throws -> Set<String> {
        let db = try TestEnvironment.superuser()
        defer { db.close() }
        return Set(try db.execute("SELECT id::text AS id FROM notification.notices WHERE recipient_id = $1", [member.memberId])
            .rows.map { try $0.string("id") })
    }

    struct SandboxSMS: Decodable {
        let requestId: String
        let phone: String
        let message: String
        let requests: Int
        let reportStatus: String?
    }

    func smsTaken(for member: MemberRecord) throws -> [SandboxSMS] {
        let answer = try XCTUnwrap(HTTPProbe.get("\(sandbox)/sandbox/sms/messages"))
        return try JSONDecoder().decode([SandboxSMS].self, from: Data(answer.body.utf8))
            .filter { $0.phone == BrandnameSMS.internationalPhone(member.phone!) }
    }

    func smsFaults(_ faults: [String: Any]) throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: faults), as: UTF8.self)
        XCTAssertEqual(HTTPProbe.post("\(sandbox)/sandbox/sms/faults", headers: ["Content-Type": "application/json"], body: body)?.status, 200)
    }

}
