import Crypto
import Foundation
import ServiceKit
import XCTest

/// Envelope encryption of documents: a data key per document, wrapped by a rotating master key.
final class DocumentEnvelopeTests: XCTestCase {
    func ring(_ ids: [String], current: String) throws -> MasterKeyRing {
        let keys = Dictionary(uniqueKeysWithValues: ids.map { ($0, SymmetricKey(data: Array(repeating: UInt8($0.utf8.first!), count: 32))) })
        return try MasterKeyRing(keys: keys, currentKeyId: current)
    }

    func testAChunkOpensOnlyWithItsDocumentsKeyInItsPlace() throws {
        let envelope = DocumentEnvelope(masterKeys: try ring(["a"], current: "a"))
        let (key, wrapped) = try envelope.newDataKey(for: "doc-1")
        let sealed = try DocumentEnvelope.sealChunk(Array("bí mật".utf8), key: key, documentId: "doc-1", number: 0)
        XCTAssertFalse(sealed.contains(Array("bí mật".utf8)))
        let opened = try DocumentEnvelope.openChunk(sealed, key: try envelope.unwrap(wrapped, for: "doc-1"), documentId: "doc-1", number: 0)
        XCTAssertEqual(String(decoding: opened, as: UTF8.self), "bí mật")
        XCTAssertThrowsError(try DocumentEnvelope.openChunk(sealed, key: key, documentId: "doc-1", number: 1), "moved chunk")
        XCTAssertThrowsError(try DocumentEnvelope.openChunk(sealed, key: key, documentId: "doc-2", number: 0), "other document")
        XCTAssertThrowsError(try envelope.unwrap(wrapped, for: "doc-2"), "a wrapped key belongs to its document")
        let (other, _) = try envelope.newDataKey(for: "doc-1")
        XCTAssertThrowsError(try DocumentEnvelope.openChunk(sealed, key: other, documentId: "doc-1", number: 0), "a key per document")
    }

    func testRotationRewrapsTheDataKeyAndTheOldMasterKeyCanThenGo() throws {
        let before = DocumentEnvelope(masterKeys: try ring(["a"], current: "a"))
        let (key, wrapped) = try before.newDataKey(for: "doc-1")
        let sealed = try DocumentEnvelope.sealChunk(Array("nội dung".utf8), key: key, documentId: "doc-1", number: 0)
        // Both keys configured, b current: old documents still open; re-wrapping moves them to b.
        let during = DocumentEnvelope(masterKeys: try ring(["a", "b"], current: "b"))
        XCTAssertNoThrow(try during.unwrap(wrapped, for: "doc-1"))
        let rewrapped = try during.rewrap(wrapped, for: "doc-1")
        XCTAssertEqual(rewrapped.masterKeyId, "b")
        // a removed: the re-wrapped key opens the unchanged chunk; the old wrapping cannot.
        let after = DocumentEnvelope(masterKeys: try ring(["b"], current: "b"))
        XCTAssertEqual(try DocumentEnvelope.openChunk(sealed, key: try after.unwrap(rewrapped, for: "doc-1"), documentId: "doc-1", number: 0),
                       Array("nội dung".utf8))
        XCTAssertThrowsError(try after.unwrap(wrapped, for: "doc-1")) { XCTAssertTrue($0 is MasterKeyMissing) }
    }

    func testKeysComeFromTheEnvironmentAndABadEntryIsNamed() throws {
        let key = Data(repeating: 7, count: 32).base64EncodedString()
        let envelope = try DocumentEnvelope(environment: ["TTHC_DOCUMENT_KEYS": "k1:\(key),k2:\(key)", "TTHC_DOCUMENT_KEY_ID": "k1"])
        XCTAssertEqual(envelope.masterKeys.currentKeyId, "k1")
        XCTAssertThrowsError(try DocumentEnvelope(environment: ["TTHC_DOCUMENT_KEYS": "k1:short"])) {
            XCTAssertTrue("\($0)".contains("TTHC_DOCUMENT_KEYS"), "\($0)")
        }
        XCTAssertThrowsError(try DocumentEnvelope(environment: ["TTHC_DOCUMENT_KEYS": "k1:\(key)", "TTHC_DOCUMENT_KEY_ID": "k9"]))
    }
}
