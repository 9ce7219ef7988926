import Foundation
import Signatures
import TestSupport
import XCTest

/// Test material made with the openssl command: a CA, signer certificates, detached signatures.
final class SignatureFixture {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("tthc-signatures-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=TTHC Test CA",
                    "-keyout", "ca.key", "-out", "ca.pem")
        try openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-subj", "/CN=Other CA",
                    "-keyout", "other.key", "-out", "other.pem")
    }

    deinit { try? FileManager.default.removeItem(at: dir) }

    @discardableResult
    func openssl(_ arguments: String...) throws -> String {
        let (status, output) = try runCommand(URL(fileURLWithPath: "/usr/bin/openssl"), arguments, directory: dir)
        guard status == 0 else { throw ProcessExited(name: "openssl \(arguments.first ?? "")", status: status, log: output) }
        return output
    }

    /// A signer certificate issued by `ca` (`ca` or `other`), valid for `days` (negative: expired).
    func signer(_ name: String, citizenId: String, ca: String = "ca", days: Int = 365,
                keyUsage: String = "critical,digitalSignature,nonRepudiation") throws {
        try openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(name)/serialNumber=\(citizenId)",
                    "-keyout", "\(name).key", "-out", "\(name).csr")
        try "keyUsage=\(keyUsage)\n".write(to: dir.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl("x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key",
                    "-set_serial", String(Int.random(in: 1000...999_999)), "-days", String(days),
                    "-extfile", "\(name).ext", "-out", "\(name).pem")
    }

    /// Signs `content` (detached, binary, DER) as `signer`.
    func sign(_ content: [UInt8], as signer: String) throws -> [UInt8] {
        let name = "content-\(UUID().uuidString)"
        try Data(content).write(to: dir.appendingPathComponent(name))
        try openssl("cms", "-sign", "-binary", "-in", name, "-signer", "\(signer).pem", "-inkey", "\(signer).key",
                    "-outform", "DER", "-out", "\(name).p7s")
        return Array(try Data(contentsOf: dir.appendingPathComponent("\(name).p7s")))
    }

    func file(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: dir.appendingPathComponent(name))) }
}

final class DetachedSignatureTests: XCTestCase {
    let document = Array("ĐƠN ĐỀ NGHỊ CHUYỂN SINH HOẠT ĐẢNG — Nguyễn Văn An".utf8)

    func testAValidSignatureNamesItsSigner() throws {
        let fixture = try SignatureFixture()
        try fixture.signer("an", citizenId: "001085012345")
        let verifier = try DetachedSignatureVerifier(trustAnchorsPEM: fixture.file("ca.pem"))
        let signed = try verifier.verify(signature: fixture.sign(document, as: "an"), content: document, fallbackTime: Date())
        XCTAssertEqual(signed.commonName, "an")
        XCTAssertEqual(signed.subjectSerialNumber, "001085012345")
        XCTAssertTrue(signed.subject.contains("serialNumber=001085012345"), signed.subject)
        XCTAssertEqual(try XCTUnwrap(signed.signingTime).timeIntervalSinceNow, 0, accuracy: 120)
    }

    func testATamperedComponentFailsVerification() throws {
        let fixture = try SignatureFixture()
        try fixture.signer("an", citizenId: "001085012345")
        let verifier = try DetachedSignatureVerifier(trustAnchorsPEM: fixture.file("ca.pem"))
        let signature = try fixture.sign(document, as: "an")
        var tampered = document
        tampered[tampered.count - 1] ^= 0x01
        XCTAssertThrowsError(try verifier.verify(signature: signature, content: tampered, fallbackTime: Date())) {
            XCTAssertEqual($0 as? SignatureProblem, .invalidSignature)
        }
    }

    func testAnExpiredCertificateFails() throws {
        let fixture = try SignatureFixture()
        try fixture.signer("expired", citizenId: "001085099999", days: -1)
        let verifier = try DetachedSignatureVerifier(trustAnchorsPEM: fixture.file("ca.pem"))
        XCTAssertThrowsError(try verifier.verify(signature: fixture.sign(document, as: "expired"), content: document,
                                                 fallbackTime: Date())) {
            XCTAssertEqual($0 as? SignatureProblem, .certificateNotValidAtSigningTime)
        }
    }

    func testACertificateFromAnotherAuthorityIsNotTrusted() throws {
        let fixture = try SignatureFixture()
        try fixture.signer("stranger", citizenId: "001085011111", ca: "other")
        let verifier = try DetachedSignatureVerifier(trustAnchorsPEM: fixture.file("ca.pem"))
        XCTAssertThrowsError(try verifier.verify(signature: fixture.sign(document, as: "stranger"), content: document,
                                                 fallbackTime: Date())) {
            XCTAssertEqual($0 as? SignatureProblem, .untrustedCertificate)
        }
    }

    func testAnEncryptionOnlyCertificateMayNotSign() throws {
        let fixture = try SignatureFixture()
        try fixture.signer("cipher", citizenId: "001085022222", keyUsage: "critical,keyEncipherment")
        let verifier = try DetachedSignatureVerifier(trustAnchorsPEM: fixture.file("ca.pem"))
        XCTAssertThrowsError(try verifier.verify(signature: fixture.sign(document, as: "cipher"), content: document,
                                                 fallbackTime: Date())) {
            XCTAssertEqual($0 as? SignatureProblem, .keyUsageNotAllowed)
        }
    }

    func testGarbageIsMalformed() throws {
        let fixture = try SignatureFixture()
        let verifier = try DetachedSignatureVerifier(trustAnchorsPEM: fixture.file("ca.pem"))
        XCTAssertThrowsError(try verifier.verify(signature: Array("not a signature".utf8), content: document,
                                                 fallbackTime: Date())) {
            XCTAssertEqual($0 as? SignatureProblem, .malformed)
            XCTAssertFalse("\($0)".isEmpty)
        }
    }
}
