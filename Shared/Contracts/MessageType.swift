/// A message type and major version: `vn.dang.tthc.<noun>.<verb>.v<major>`; the AMQP routing
/// key is the part after `vn.dang.tthc.` (ARCHITECTURE §2).
public struct MessageType: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "vn.dang.tthc."

    public let name: String
    public let major: Int

    public init(_ name: String, major: Int) {
        self.name = name
        self.major = major
    }

    /// Parses `vn.dang.tthc.dossier.received.v1`; nil when it is not of that shape.
    public init?(cloudEventType: String) {
        guard cloudEventType.hasPrefix(Self.prefix) else { return nil }
        self.init(routingKey: String(cloudEventType.dropFirst(Self.prefix.count)))
    }

    /// Parses `dossier.received.v1`.
    public init?(routingKey: String) {
        guard let dot = routingKey.lastIndex(of: "."), routingKey[routingKey.index(after: dot)...].hasPrefix("v"),
              let major = Int(routingKey[routingKey.index(dot, offsetBy: 2)...]), major > 0
        else { return nil }
        let name = String(routingKey[..<dot])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "." || $0 == "-" }) else { return nil }
        self.init(name, major: major)
    }

    public var routingKey: String { "\(name).v\(major)" }
    public var cloudEventType: String { Self.prefix + routingKey }
    public var schemaURI: String { "urn:tthc:schema:\(routingKey)" }
    public var description: String { routingKey }
}

extension MessageType {
    /// Submitter → intake: a new dossier (nộp hồ sơ).
    public static let dossierSubmit = MessageType("dossier.submit", major: 1)
    /// Intake: the dossier passed the technical check and has a code and an official receipt time.
    public static let dossierReceived = MessageType("dossier.received", major: 1)
    /// Intake: the submission failed the technical check; every problem is listed.
    public static let dossierRejected = MessageType("dossier.rejected", major: 1)
    /// Validation: content checked, the dossier is accepted for handling (tiếp nhận).
    public static let dossierAccepted = MessageType("dossier.accepted", major: 1)
    /// Routing: the competent organisation decided (approved or refused with reason).
    public static let dossierDecided = MessageType("dossier.decided", major: 1)
    /// Archive: the signed result (kết quả giải quyết) is issued and stored.
    public static let resultIssued = MessageType("result.issued", major: 1)
    /// Routing → payment: an amount is due (fees, party dues).
    public static let paymentRequested = MessageType("payment.requested", major: 1)
    /// Payment: the amount was paid.
    public static let paymentCompleted = MessageType("payment.completed", major: 1)
}
