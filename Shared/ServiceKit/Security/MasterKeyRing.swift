import Crypto
import Foundation

/// AES-256 master keys by id, from the environment, so that keys rotate without downtime: what is
/// new is sealed with the current key, what is old stays readable while its key is configured.
///   `<NAME>_KEYS`    `id:base64key[,id:base64key…]` (32-byte keys)
///   `<NAME>_KEY_ID`  the id that seals what is new (default: the last id in sort order)
public struct MasterKeyRing: Sendable {
    private let keys: [String: SymmetricKey]
    public let currentKeyId: String
    /// Where the keys are configured, for messages (`TTHC_DOCUMENT_KEYS`).
    let source: String

    public init(keys: [String: SymmetricKey], currentKeyId: String, variable: String = "key id", source: String = "the key ring") throws {
        guard keys[currentKeyId] != nil else {
            throw ConfigurationError(variable: variable, problem: "\"\(currentKeyId)\" is not one of the configured keys")
        }
        self.keys = keys
        self.currentKeyId = currentKeyId
        self.source = source
    }

    /// `name` is the variables' stem, e.g. `TTHC_HISTORY` for `TTHC_HISTORY_KEYS` and `TTHC_HISTORY_KEY_ID`.
    public init(environment: [String: String], name: String) throws {
        guard let list = environment["\(name)_KEYS"], !list.isEmpty else {
            throw ConfigurationError(variable: "\(name)_KEYS", problem: "is required: `id:base64key` (32 bytes), comma-separated")
        }
        var keys: [String: SymmetricKey] = [:]
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw ConfigurationError(variable: "\(name)_KEYS", problem: "entry \"\(parts.first ?? "")\" is not `id:base64 of 32 bytes`")
            }
            keys[parts[0]] = SymmetricKey(data: bytes)
        }
        let current = environment["\(name)_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? keys.keys.sorted().last!
        try self.init(keys: keys, currentKeyId: current, variable: "\(name)_KEY_ID", source: "\(name)_KEYS")
    }

    public var current: SymmetricKey { keys[currentKeyId]! }
    /// Every configured key id, sorted.
    public var keyIds: [String] { keys.keys.sorted() }

    public func key(_ id: String) throws -> SymmetricKey {
        guard let key = keys[id] else { throw MasterKeyMissing(keyId: id, source: source) }
        return key
    }
}

public struct MasterKeyMissing: Error, CustomStringConvertible {
    public let keyId: String
    public let source: String
    public var description: String { "master key \(keyId) is not configured in \(source)" }
}
