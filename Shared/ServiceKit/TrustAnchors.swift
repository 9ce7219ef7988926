import Foundation
import Signatures

extension DetachedSignatureVerifier {
    /// The verifier of `TTHC_SIGNATURE_TRUST_ANCHORS` (a PEM bundle of the trusted roots); nil,
    /// with a warning naming `service`, when it is unset or an empty file: every signature is then
    /// reported unverifiable, never accepted. A file that cannot be read or holds no certificate
    /// stops the service.
    public static func fromEnvironment(_ environment: [String: String], service: String) throws -> DetachedSignatureVerifier? {
        var verifier: DetachedSignatureVerifier?
        if let path = environment["TTHC_SIGNATURE_TRUST_ANCHORS"], !path.isEmpty {
            guard let pem = FileManager.default.contents(atPath: path) else {
                throw ConfigurationError(variable: "TTHC_SIGNATURE_TRUST_ANCHORS", problem: "cannot read \(path)")
            }
            if !String(decoding: pem, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                do {
                    verifier = try DetachedSignatureVerifier(trustAnchorsPEM: Array(pem))
                } catch {
                    throw ConfigurationError(variable: "TTHC_SIGNATURE_TRUST_ANCHORS", problem: "\(path) holds no PEM certificate")
                }
            }
        }
        if verifier == nil {
            FileHandle.standardError.write(Data("tthc-\(service): no signature trust anchors configured (TTHC_SIGNATURE_TRUST_ANCHORS): signatures will be reported unverifiable\n".utf8))
        }
        return verifier
    }
}
