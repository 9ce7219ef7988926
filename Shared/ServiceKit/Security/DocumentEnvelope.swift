import Crypto
import Foundation

/// Envelope encryption of documents at rest (Đ.15): each document gets its own random AES-256 data
/// key, which seals the document's chunks (AES-256-GCM, the document id and chunk number
/// authenticated so a chunk cannot be moved or reordered); the data key is kept only wrapped by a
/// master key (`MasterKeyRing`, `TTHC_DOCUMENT_KEYS` / `TTHC_DOCUMENT_KEY_ID`), named by its id.
/// Rotating the master key re-wraps the 32-byte data keys; the content is never encrypted again.
public struct DocumentEnvelope: Sendable {
    /// A data key sealed by a master key: nonce ‖ ciphertext ‖ tag.
    public struct WrappedKey: Sendable, Equatable {
        public let masterKeyId: String
        public let bytes: [UInt8]

        public init(masterKeyId: String, bytes: [UInt8]) {
            self.masterKeyId = masterKeyId
            self.bytes = bytes
        }
    }

    public let masterKeys: MasterKeyRing

    public init(masterKeys: MasterKeyRing) { self.masterKeys = masterKeys }

    public init(environment: [String: String]) throws {
        masterKeys = try MasterKeyRing(environment: environment, name: "TTHC_DOCUMENT")
    }

    /// A fresh data key for `documentId`, and how it is stored.
    public func newDataKey(for documentId: String) throws -> (key: SymmetricKey, wrapped: WrappedKey) {
        let key = SymmetricKey(size: .bits256)
        return (key, try wrap(key, for: documentId))
    }

    public func unwrap(_ wrapped: WrappedKey, for documentId: String) throws -> SymmetricKey {
        let box = try AES.GCM.SealedBox(combined: wrapped.bytes)
        return SymmetricKey(data: try AES.GCM.open(box, using: try masterKeys.key(wrapped.masterKeyId),
                                                   authenticating: Array("document-key:\(documentId)".utf8)))
    }

    /// The data key wrapped again under the current master key (rotation).
    public func rewrap(_ wrapped: WrappedKey, for documentId: String) throws -> WrappedKey {
        try wrap(try unwrap(wrapped, for: documentId), for: documentId)
    }

    private func wrap(_ key: SymmetricKey, for documentId: String) throws -> WrappedKey {
        let raw = key.withUnsafeBytes { Array($0) }
        let box = try AES.GCM.seal(raw, using: masterKeys.current, authenticating: Array("document-key:\(documentId)".utf8))
        return WrappedKey(masterKeyId: masterKeys.currentKeyId, bytes: Array(box.combined!))
    }

    public static func sealChunk(_ bytes: some DataProtocol, key: SymmetricKey, documentId: String, number: Int) throws -> [UInt8] {
        Array(try AES.GCM.seal(bytes, using: key, authenticating: Array("\(documentId):\(number)".utf8)).combined!)
    }

    public static func openChunk(_ sealed: [UInt8], key: SymmetricKey, documentId: String, number: Int) throws -> [UInt8] {
        Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Array("\(documentId):\(number)".utf8)))
    }
}
