import Contracts
import Foundation
import Messaging

/// A generated member registry (Cơ sở dữ liệu đảng viên) for development, the benchmark and the
/// tests: deterministic, so a member number always gives the same person. Members alternate
/// between two provinces, Hà Nội (`HN`, citizen ids 001…) and TP Hồ Chí Minh (`HCM`, 079…), 25 to a
/// cell (`HN.CB0001`…).
public enum MemberFixture {
    public static let provinces: [(code: String, citizenPrefix: String)] = [("HN", "001"), ("HCM", "079")]
    public static let membersPerCell = 25

    static let familyNames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
    static let middleNames = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Quốc", "Ngọc", "Thu", "Xuân"]
    static let givenNames = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan", "Linh", "Long",
                             "Mai", "Nam", "Phương", "Quang", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Xuân", "Yến"]

    /// Member `number` (1…): `DV0000001`… unless `memberIdPrefix` is given (tests use their own).
    /// `organisationCode` overrides the generated cell (tests put their members in their own organisation).
    public static func member(number: Int, memberIdPrefix: String = "DV", organisationCode: String? = nil) -> MemberRecord {
        let province = provinces[(number - 1) % provinces.count]
        let cell = (number - 1) / (membersPerCell * provinces.count) + 1
        let birthYear = 1950 + number % 50
        let name = "\(familyNames[number % familyNames.count]) \(middleNames[(number / 3) % middleNames.count]) \(givenNames[(number / 7) % givenNames.count])"
        // Citizen id: province (3) + sex/century (1) + year (2) + sequence (6).
        let citizenId = province.citizenPrefix + (number % 2 == 0 ? "0" : "1") + String(format: "%02d", birthYear % 100)
            + String(format: "%06d", number % 1_000_000)
        let pensioner = number % 7 == 0
        return MemberRecord(
            memberId: memberIdPrefix + String(format: "%07d", number), citizenId: citizenId,
            partyCardNumber: String(format: "%08d", 10_000_000 + number % 90_000_000), fullName: name,
            dateOfBirth: String(format: "%04d-%02d-%02d", birthYear, number % 12 + 1, number % 28 + 1),
            status: number % 10 == 0 ? .probationary : .full,
            organisationCode: organisationCode ?? String(format: "%@.CB%04d", province.code, cell),
            insuredSalary: pensioner ? nil : 4_000_000 + (number % 40) * 250_000,
            pension: pensioner ? 3_500_000 + (number % 20) * 150_000 : nil,
            email: "dv\(number)@example.vn", phone: String(format: "09%08d", number % 100_000_000),
            recordNumber: String(format: "LL%07d", number), registerNumber: String(format: "%@-%06d", province.code, number % 1_000_000))
    }

    /// Publishes `member.registered.v1` for each member to `tthc.events`, as the registry does.
    public static func publishRegistered(_ members: [MemberRecord], on amqp: AMQPConnection, user: String) throws {
        try RegistryPublisher.publish(members, as: .memberRegistered, subject: \.memberId, on: amqp, user: user)
    }
}

/// Publishes registry records (members, organisations) to `tthc.events` as their registries do:
/// persistent, with confirms awaited every 1,000 (the connection has confirms enabled).
public enum RegistryPublisher {
    public static func publish<Record: Codable & Sendable>(_ records: [Record], as type: MessageType,
                                                           subject: (Record) -> String, on amqp: AMQPConnection,
                                                           user: String) throws {
        for (i, record) in records.enumerated() {
            let envelope = Envelope(source: "urn:tthc:\(user)", type: type, subject: subject(record), data: record)
            try amqp.publish(exchange: Exchange.events, routingKey: type.routingKey, body: try WireJSON.encode(envelope),
                             properties: MessageProperties(messageId: envelope.id, type: envelope.type,
                                                           contentType: "application/cloudevents+json",
                                                           appId: user, userId: user, timestamp: Date()))
            if i % 1000 == 999 { try amqp.waitForConfirms() }
        }
        try amqp.waitForConfirms()
    }
}
