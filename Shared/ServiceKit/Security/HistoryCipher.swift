import Crypto
import Foundation

/// Encrypts the amendment history of dossiers (Đ.15.2) with AES-256-GCM. Keys come from the
/// environment, each with an id stored beside the ciphertext, so keys can rotate: new rows use
/// the current key, old rows stay readable while their key is configured.
///   TTHC_HISTORY_KEYS    `id:base64key[,id:base64key…]` (32-byte keys)
///   TTHC_HISTORY_KEY_ID  the id that encrypts new rows
public struct HistoryCipher: Sendable {
    public struct Sealed: Sendable {
        public let keyId: String
        /// nonce ‖ ciphertext ‖ tag.
        public let bytes: [UInt8]

        public init(keyId: String, bytes: [UInt8]) {
            self.keyId = keyId
            self.bytes = bytes
        }
    }

    private let keys: [String: SymmetricKey]
    public let currentKeyId: String

    public init(keys: [String: SymmetricKey], currentKeyId: String) throws {
        guard keys[currentKeyId] != nil else {
            throw ConfigurationError(variable: "TTHC_HISTORY_KEY_ID", problem: "\"\(currentKeyId)\" is not one of TTHC_HISTORY_KEYS")
        }
        self.keys = keys
        self.currentKeyId = currentKeyId
    }

    public init(environment: [String: String]) throws {
        guard let list = environment["TTHC_HISTORY_KEYS"], !list.isEmpty else {
            throw ConfigurationError(variable: "TTHC_HISTORY_KEYS", problem: "is required: `id:base64key` (32 bytes), comma-separated")
        }
        var keys: [String: SymmetricKey] = [:]
        for entry in list.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let bytes = Data(base64Encoded: parts[1]), bytes.count == 32 else {
                throw ConfigurationError(variable: "TTHC_HISTORY_KEYS", problem: "entry \"\(parts.first ?? "")\" is not `id:base64 of 32 bytes`")
            }
            keys[parts[0]] = SymmetricKey(data: bytes)
        }
        let current = environment["TTHC_HISTORY_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 } ?? keys.keys.sorted().last!
        try self.init(keys: keys, currentKeyId: current)
    }

    /// `context` (e.g. dossier code and revision) is authenticated, so a row cannot be moved to another dossier.
    public func seal(_ plaintext: [UInt8], context: String) throws -> Sealed {
        let box = try AES.GCM.seal(plaintext, using: keys[currentKeyId]!, authenticating: Array(context.utf8))
        return Sealed(keyId: currentKeyId, bytes: Array(box.combined!))
    }

    public func open(_ sealed: Sealed, context: String) throws -> [UInt8] {
        guard let key = keys[sealed.keyId] else { throw HistoryKeyMissing(keyId: sealed.keyId) }
        return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed.bytes), using: key, authenticating: Array(context.utf8)))
    }
}

public struct HistoryKeyMissing: Error, CustomStringConvertible {
    public let keyId: String
    public var description: String { "history key \(keyId) is not configured in TTHC_HISTORY_KEYS" }
}
