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

    private let ring: MasterKeyRing
    public var currentKeyId: String { ring.currentKeyId }
    /// Every configured key id: rows under another one cannot be opened here.
    public var keyIds: [String] { ring.keyIds }

    public init(keys: [String: SymmetricKey], currentKeyId: String) throws {
        ring = try MasterKeyRing(keys: keys, currentKeyId: currentKeyId, variable: "TTHC_HISTORY_KEY_ID", source: "TTHC_HISTORY_KEYS")
    }

    public init(environment: [String: String]) throws {
        ring = try MasterKeyRing(environment: environment, name: "TTHC_HISTORY")
    }

    /// `context` (e.g. dossier code and revision) is authenticated, so a row cannot be moved to another dossier.
    public func seal(_ plaintext: [UInt8], context: String) throws -> Sealed {
        let box = try AES.GCM.seal(plaintext, using: ring.current, authenticating: Array(context.utf8))
        return Sealed(keyId: currentKeyId, bytes: Array(box.combined!))
    }

    public func open(_ sealed: Sealed, context: String) throws -> [UInt8] {
        Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed.bytes), using: try ring.key(sealed.keyId),
                               authenticating: Array(context.utf8)))
    }
}
