import COpenSSL
import Foundation

/// A certificate authority and a signing key for development, tests and the benchmark: issues
/// signer certificates (a member's carries their citizen id in serialNumber, an organisation's
/// `TCD:<code>`) and makes detached CMS signatures, as a member's signing tool would. Production
/// trusts real providers' roots through `TTHC_SIGNATURE_TRUST_ANCHORS`; this type never runs there.
public final class SigningAuthority: @unchecked Sendable {
    public struct Signer: @unchecked Sendable {
        fileprivate let certificate: OpaquePointer
    }

    // Read-only after init; issued certificates are cached under the lock and freed never (a dev tool).
    private let caCertificate: OpaquePointer
    private let caKey: OpaquePointer
    private let signerKey: OpaquePointer
    private let lock = NSLock()
    private var issued: [String: Signer] = [:]
    private var nextSerial = Int.random(in: 1...1_000_000) * 1_000

    /// PEM files: the CA certificate and key, and the key every issued certificate binds.
    public init(caCertificatePEM: [UInt8], caKeyPEM: [UInt8], signerKeyPEM: [UInt8]) throws {
        guard let certificate = readPEM(caCertificatePEM, PEM_read_bio_X509),
              let caKey = readPEM(caKeyPEM, PEM_read_bio_PrivateKey),
              let signerKey = readPEM(signerKeyPEM, PEM_read_bio_PrivateKey) else {
            ERR_clear_error()
            throw SignatureProblem.malformed
        }
        self.caCertificate = certificate
        self.caKey = caKey
        self.signerKey = signerKey
    }

    /// The authority in `directory` (`signing-ca.pem`, `signing-ca.key`, `signer.key`), as written by
    /// `Deploy/local/servers.sh`; the directory is `TTHC_DEV_SIGNING_DIRECTORY`.
    public convenience init(directory: URL) throws {
        func file(_ name: String) throws -> [UInt8] { Array(try Data(contentsOf: directory.appendingPathComponent(name))) }
        try self.init(caCertificatePEM: file("signing-ca.pem"), caKeyPEM: file("signing-ca.key"), signerKeyPEM: file("signer.key"))
    }

    deinit {
        X509_free(caCertificate)
        EVP_PKEY_free(caKey)
        EVP_PKEY_free(signerKey)
    }

    /// A certificate for `serialNumber` (citizen id, or `TCD:<organisation code>`), valid from
    /// `notBefore` to `notAfter`; cached per (name, validity).
    public func signer(commonName: String, serialNumber: String, notBefore: Date = Date().addingTimeInterval(-86_400),
                       notAfter: Date = Date().addingTimeInterval(365 * 86_400)) throws -> Signer {
        let key = "\(commonName)|\(serialNumber)|\(Int(notBefore.timeIntervalSince1970 / 86_400))|\(Int(notAfter.timeIntervalSince1970 / 86_400))"
        lock.lock()
        defer { lock.unlock() }
        if let signer = issued[key] { return signer }
        let certificate = try issue(commonName: commonName, serialNumber: serialNumber, key: signerKey,
                                    notBefore: notBefore, notAfter: notAfter)
        let signer = Signer(certificate: certificate)
        issued[key] = signer
        return signer
    }

    /// A certificate for `key`, signed by the CA (callers hold the lock).
    private func issue(commonName: String, serialNumber: String, key: OpaquePointer, notBefore: Date, notAfter: Date) throws -> OpaquePointer {
        guard let certificate = X509_new() else { throw SignatureProblem.malformed }
        nextSerial += 1
        X509_set_version(certificate, 2)
        ASN1_INTEGER_set(X509_get_serialNumber(certificate), nextSerial)
        ASN1_TIME_set(X509_getm_notBefore(certificate), time_t(notBefore.timeIntervalSince1970))
        ASN1_TIME_set(X509_getm_notAfter(certificate), time_t(notAfter.timeIntervalSince1970))
        X509_set_pubkey(certificate, key)
        let name = X509_get_subject_name(certificate)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, commonName, -1, -1, 0)
        X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_UTF8, serialNumber, -1, -1, 0)
        X509_set_issuer_name(certificate, X509_get_subject_name(caCertificate))
        if let usage = X509V3_EXT_conf_nid(nil, nil, NID_key_usage, "critical,digitalSignature,nonRepudiation") {
            X509_add_ext(certificate, usage, -1)
            X509_EXTENSION_free(usage)
        }
        guard X509_sign(certificate, caKey, EVP_sha256()) > 0 else {
            X509_free(certificate)
            ERR_clear_error()
            throw SignatureProblem.malformed
        }
        return certificate
    }

    /// A certificate bound to another key than the shared signer key (an organisation's own P-256
    /// key, `DevelopmentOrganisationKeys`), as PEM.
    public func certificatePEM(commonName: String, serialNumber: String, subjectKeyPEM: [UInt8]) throws -> String {
        guard let key = readPEM(subjectKeyPEM, PEM_read_bio_PrivateKey) else {
            ERR_clear_error()
            throw SignatureProblem.malformed
        }
        defer { EVP_PKEY_free(key) }
        lock.lock()
        let certificate: OpaquePointer
        do {
            certificate = try issue(commonName: commonName, serialNumber: serialNumber, key: key,
                                    notBefore: Date().addingTimeInterval(-86_400), notAfter: Date().addingTimeInterval(365 * 86_400))
            lock.unlock()
        } catch {
            lock.unlock()
            throw error
        }
        defer { X509_free(certificate) }
        return try certificatePEM(Signer(certificate: certificate))
    }

    /// The signer's certificate as PEM, for a member's own signing tool (`openssl cms -sign`).
    public func certificatePEM(_ signer: Signer) throws -> String {
        guard let out = BIO_new(BIO_s_mem()) else { throw SignatureProblem.malformed }
        defer { BIO_free(out) }
        guard PEM_write_bio_X509(out, signer.certificate) == 1 else { throw SignatureProblem.malformed }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(out, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw SignatureProblem.malformed }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// A detached CMS signature (DER) over `content` by `signer`, with a signingTime attribute.
    public func sign(_ content: [UInt8], as signer: Signer) throws -> [UInt8] {
        try detachedCMS(content, certificate: signer.certificate, key: signerKey)
    }
}
