import COpenSSL
import Foundation

/// An issuing organisation's signing key and certificate (Đ.17.3b): signs a result's canonical
/// bytes with a detached CMS signature (DER), which `DetachedSignatureVerifier` checks.
public protocol OrganisationSigner: Sendable {
    var organisationCode: String { get }
    func sign(_ content: [UInt8]) throws -> [UInt8]
}

/// Where the organisations' signers come from. A folder of PEM files today; a PKCS#11 token
/// (the key never leaving it) can implement the same interface.
public protocol OrganisationKeys: Sendable {
    /// The organisation's signer; nil when it has no key here (its results wait, never unsigned).
    func signer(for organisationCode: String) throws -> (any OrganisationSigner)?
}

/// Keys in a folder (`TTHC_ORGANISATION_KEYS_DIRECTORY`): `<organisation code>.key.pem` (the private
/// key) and `<organisation code>.cert.pem` (its certificate, subject serialNumber `TCD:<code>`), as
/// `tthc-admin certificates issue --organisation` writes them. A signer is loaded once and loaded
/// again when either file changes (a renewed certificate, a rotated key); a code without files is
/// looked up again next time, so a key put in place later is used at once.
public final class PEMOrganisationKeys: OrganisationKeys, @unchecked Sendable {
    public let directory: URL
    private let lock = NSLock()
    private var loaded: [String: (signer: PEMOrganisationSigner, version: [Date])] = [:]

    public init(directory: URL) {
        self.directory = directory
    }

    public func signer(for organisationCode: String) throws -> (any OrganisationSigner)? {
        // Codes are A-Z, 0-9 and dots; anything else never names a file.
        guard !organisationCode.isEmpty, !organisationCode.hasPrefix("."),
              organisationCode.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == ".") }) else { return nil }
        let key = directory.appendingPathComponent("\(organisationCode).key.pem")
        let certificate = directory.appendingPathComponent("\(organisationCode).cert.pem")
        let version = [key, certificate].compactMap {
            (try? FileManager.default.attributesOfItem(atPath: $0.path))?[.modificationDate] as? Date
        }
        lock.lock()
        defer { lock.unlock() }
        guard version.count == 2 else {
            loaded[organisationCode] = nil
            return nil
        }
        if let cached = loaded[organisationCode], cached.version == version { return cached.signer }
        let signer = try PEMOrganisationSigner(organisationCode: organisationCode, keyPEM: Array(try Data(contentsOf: key)),
                                               certificatePEM: Array(try Data(contentsOf: certificate)))
        loaded[organisationCode] = (signer, version)
        return signer
    }
}

/// A private key and certificate held in memory (read-only after init).
final class PEMOrganisationSigner: OrganisationSigner, @unchecked Sendable {
    let organisationCode: String
    private let key: OpaquePointer
    private let certificate: OpaquePointer

    init(organisationCode: String, keyPEM: [UInt8], certificatePEM: [UInt8]) throws {
        guard let key = readPEM(keyPEM, PEM_read_bio_PrivateKey) else {
            ERR_clear_error()
            throw SignatureProblem.malformed
        }
        guard let certificate = readPEM(certificatePEM, PEM_read_bio_X509) else {
            EVP_PKEY_free(key)
            ERR_clear_error()
            throw SignatureProblem.malformed
        }
        guard X509_check_private_key(certificate, key) == 1 else {
            EVP_PKEY_free(key)
            X509_free(certificate)
            ERR_clear_error()
            throw SignatureProblem.malformed
        }
        self.organisationCode = organisationCode
        self.key = key
        self.certificate = certificate
    }

    deinit {
        EVP_PKEY_free(key)
        X509_free(certificate)
    }

    func sign(_ content: [UInt8]) throws -> [UInt8] {
        try detachedCMS(content, certificate: certificate, key: key)
    }
}

/// A detached CMS signature (DER) over `content`, with the signer's certificate and a signingTime.
func detachedCMS(_ content: [UInt8], certificate: OpaquePointer, key: OpaquePointer) throws -> [UInt8] {
    defer { ERR_clear_error() }
    return try content.withUnsafeBytes { raw in
        guard let data = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { throw SignatureProblem.malformed }
        defer { BIO_free(data) }
        guard let cms = CMS_sign(certificate, key, nil, data, UInt32(CMS_BINARY | CMS_DETACHED)) else {
            throw SignatureProblem.malformed
        }
        defer { CMS_ContentInfo_free(cms) }
        guard let out = BIO_new(BIO_s_mem()) else { throw SignatureProblem.malformed }
        defer { BIO_free(out) }
        guard i2d_CMS_bio(out, cms) == 1 else { throw SignatureProblem.malformed }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(out, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw SignatureProblem.malformed }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) }
    }
}

/// The first PEM object `reader` understands in `pem`.
func readPEM(_ pem: [UInt8], _ reader: (OpaquePointer?, UnsafeMutablePointer<OpaquePointer?>?,
                                        (@convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32)?,
                                        UnsafeMutableRawPointer?) -> OpaquePointer?) -> OpaquePointer? {
    pem.withUnsafeBytes { raw in
        guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
        defer { BIO_free(bio) }
        return reader(bio, nil, nil, nil)
    }
}
