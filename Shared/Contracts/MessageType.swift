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

// The constants of each type stand beside its payload, in the file of its noun (DossierSubmission,
// DossierChecks, StepsAndRoutes, Registry, DuesAndPayment, Results, TemporaryTransfers, Notices).
