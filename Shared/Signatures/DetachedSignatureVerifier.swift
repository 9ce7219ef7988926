import COpenSSL
import Foundation

/// Who signed a component, as read from the verified signature (chữ ký số).
public struct VerifiedSignature: Sendable, Equatable {
    /// The signer certificate's subject, e.g. `/CN=Nguyen Van An/serialNumber=001085012345`.
    public let subject: String
    public let commonName: String?
    /// The subject's serialNumber attribute: for Vietnamese personal certificates, the citizen id.
    public let subjectSerialNumber: String?
    /// The signingTime signed attribute, when present.
    public let signingTime: Date?

    public init(subject: String, commonName: String?, subjectSerialNumber: String?, signingTime: Date?) {
        self.subject = subject
        self.commonName = commonName
        self.subjectSerialNumber = subjectSerialNumber
        self.signingTime = signingTime
    }
}

/// Why a signature is not accepted; the message is Vietnamese, for the member.
public enum SignatureProblem: Error, Equatable, CustomStringConvertible {
    case malformed
    /// The content or the signature was altered.
    case invalidSignature
    /// The certificate does not chain to a trusted authority.
    case untrustedCertificate
    /// The certificate was not valid at the signing time.
    case certificateNotValidAtSigningTime
    /// The certificate may not be used for signatures.
    case keyUsageNotAllowed

    public var code: String {
        switch self {
        case .malformed: "signature-malformed"
        case .invalidSignature: "signature-invalid"
        case .untrustedCertificate: "signature-untrusted"
        case .certificateNotValidAtSigningTime: "signature-certificate-expired"
        case .keyUsageNotAllowed: "signature-key-usage"
        }
    }

    public var description: String {
        switch self {
        case .malformed: "Tệp chữ ký số không đúng định dạng CMS/PKCS#7."
        case .invalidSignature: "Chữ ký số không khớp với nội dung tài liệu (tài liệu hoặc chữ ký đã bị thay đổi)."
        case .untrustedCertificate: "Chứng thư số của người ký không do tổ chức cung cấp dịch vụ chứng thực được tin cậy cấp."
        case .certificateNotValidAtSigningTime: "Chứng thư số của người ký đã hết hạn hoặc chưa có hiệu lực tại thời điểm ký."
        case .keyUsageNotAllowed: "Chứng thư số của người ký không được phép dùng để ký số."
        }
    }
}

/// Verifies detached CMS/PKCS#7 signatures over a component's bytes (Đ.14.2) with OpenSSL: the
/// signature matches the content, the certificate chains to a configured trust anchor, it was valid
/// at the signing time, and its key usage allows signing. Who the signer must be is the caller's rule.
public final class DetachedSignatureVerifier: @unchecked Sendable {
    // Read-only after init; OpenSSL's X509 objects are reference-counted and safe to share for reads.
    private let anchors: [OpaquePointer]

    /// `trustAnchorsPEM`: one or more PEM certificates (the root CAs to trust).
    public init(trustAnchorsPEM: [UInt8]) throws {
        var anchors: [OpaquePointer] = []
        try trustAnchorsPEM.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { throw SignatureProblem.malformed }
            defer { BIO_free(bio) }
            while let certificate = PEM_read_bio_X509(bio, nil, nil, nil) { anchors.append(certificate) }
        }
        ERR_clear_error()
        guard !anchors.isEmpty else { throw SignatureProblem.untrustedCertificate }
        self.anchors = anchors
    }

    deinit { anchors.forEach { X509_free($0) } }

    /// Verifies `signature` (DER or PEM CMS) over `content`. `fallbackTime` is used as the signing
    /// time when the signature carries no signingTime attribute (e.g. the official receipt time).
    public func verify(signature: [UInt8], content: [UInt8], fallbackTime: Date) throws -> VerifiedSignature {
        defer { ERR_clear_error() }
        guard let cms = parse(signature) else { throw SignatureProblem.malformed }
        defer { CMS_ContentInfo_free(cms) }
        guard let signers = CMS_get0_SignerInfos(cms), OPENSSL_sk_num(signers) > 0,
              let signerInfo = OPENSSL_sk_value(signers, 0) else { throw SignatureProblem.malformed }
        let signingTime = Self.signingTime(OpaquePointer(signerInfo))
        let at = signingTime ?? fallbackTime

        // The usual case costs one verification: signature, chain and validity at the signing time.
        // Only a failure is taken apart step by step to say precisely what is wrong.
        if try runVerify(cms, content: content, flags: UInt32(CMS_BINARY | CMS_DETACHED), at: at) {
            return try describeSigner(cms)
        }
        ERR_clear_error()

        // 1. The signature itself, over these exact bytes (no certificate checks yet).
        guard try runVerify(cms, content: content, flags: UInt32(CMS_BINARY | CMS_DETACHED | CMS_NO_SIGNER_CERT_VERIFY),
                            at: signingTime ?? fallbackTime) else {
            throw SignatureProblem.invalidSignature
        }
        guard let signerCerts = CMS_get0_signers(cms), OPENSSL_sk_num(signerCerts) > 0,
              let certificate = OPENSSL_sk_value(signerCerts, 0).map(OpaquePointer.init) else {
            throw SignatureProblem.malformed
        }
        defer { OPENSSL_sk_free(signerCerts) }
        // 2. Validity at the signing time, then key usage, then the chain to a trust anchor.
        let when = time_t(at.timeIntervalSince1970)
        if ASN1_TIME_cmp_time_t(X509_get0_notBefore(certificate), when) > 0
            || ASN1_TIME_cmp_time_t(X509_get0_notAfter(certificate), when) < 0 {
            throw SignatureProblem.certificateNotValidAtSigningTime
        }
        let usage = X509_get_key_usage(certificate)
        if usage != UInt32.max, usage & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) == 0 {
            throw SignatureProblem.keyUsageNotAllowed
        }
        throw SignatureProblem.untrustedCertificate
    }

    /// The verified signer, after checking that its certificate may sign.
    private func describeSigner(_ cms: OpaquePointer) throws -> VerifiedSignature {
        guard let signers = CMS_get0_SignerInfos(cms), let signerInfo = OPENSSL_sk_value(signers, 0),
              let signerCerts = CMS_get0_signers(cms), OPENSSL_sk_num(signerCerts) > 0,
              let certificate = OPENSSL_sk_value(signerCerts, 0).map(OpaquePointer.init) else {
            throw SignatureProblem.malformed
        }
        defer { OPENSSL_sk_free(signerCerts) }
        let usage = X509_get_key_usage(certificate)
        if usage != UInt32.max, usage & UInt32(KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION) == 0 {
            throw SignatureProblem.keyUsageNotAllowed
        }
        let name = X509_get_subject_name(certificate)
        return VerifiedSignature(subject: Self.oneLine(name), commonName: Self.entry(name, NID_commonName),
                                 subjectSerialNumber: Self.entry(name, NID_serialNumber),
                                 signingTime: Self.signingTime(OpaquePointer(signerInfo)))
    }

    private func parse(_ bytes: [UInt8]) -> OpaquePointer? {
        bytes.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            if bytes.starts(with: Array("-----BEGIN".utf8)) { return PEM_read_bio_CMS(bio, nil, nil, nil) }
            return d2i_CMS_bio(bio, nil)
        }
    }

    /// One CMS_verify call with a store of the trust anchors, checking validity at `at`.
    private func runVerify(_ cms: OpaquePointer, content: [UInt8], flags: UInt32, at: Date) throws -> Bool {
        guard let store = X509_STORE_new() else { throw SignatureProblem.malformed }
        defer { X509_STORE_free(store) }
        for anchor in anchors { X509_STORE_add_cert(store, anchor) }
        // Components are signed documents, not e-mail: any purpose, checked at the signing time.
        X509_STORE_set_purpose(store, X509_PURPOSE_ANY)
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), time_t(at.timeIntervalSince1970))
        return content.withUnsafeBytes { raw -> Bool in
            guard let data = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return false }
            defer { BIO_free(data) }
            return CMS_verify(cms, nil, store, data, nil, flags) == 1
        }
    }

    private static func signingTime(_ signerInfo: OpaquePointer) -> Date? {
        let index = CMS_signed_get_attr_by_NID(signerInfo, NID_pkcs9_signingTime, -1)
        guard index >= 0, let attribute = CMS_signed_get_attr(signerInfo, index),
              let type = X509_ATTRIBUTE_get0_type(attribute, 0) else { return nil }
        let kind = ASN1_TYPE_get(type)
        guard kind == V_ASN1_UTCTIME || kind == V_ASN1_GENERALIZEDTIME else { return nil }
        // UTCTime and GeneralizedTime are both ASN1_TIME (an ASN1_STRING).
        guard let time = type.pointee.value.utctime else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(UnsafePointer(time), &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// `/CN=.../serialNumber=...`.
    private static func oneLine(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var buffer = [CChar](repeating: 0, count: 512)
        guard let text = X509_NAME_oneline(name, &buffer, Int32(buffer.count)) else { return "" }
        return String(cString: text)
    }

    private static func entry(_ name: OpaquePointer?, _ nid: Int32) -> String? {
        guard let name else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = X509_NAME_get_text_by_NID(name, nid, &buffer, Int32(buffer.count))
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
