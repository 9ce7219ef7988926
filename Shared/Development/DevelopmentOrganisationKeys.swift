import Foundation
import Signatures

/// Development signing keys for party organisations, so that archive can sign their results
/// (Đ.17.3b) in local runs, tests and the benchmark: `<code>.cert.pem` (subject serialNumber
/// `TCD:<code>`, issued by the development authority that local runs trust) and `<code>.key.pem`,
/// in the folder archive reads (`TTHC_ORGANISATION_KEYS_DIRECTORY`). Never used in production,
/// where each organisation's key comes from its own certificate provider.
public enum DevelopmentOrganisationKeys {
    /// `TTHC_ORGANISATION_KEYS_DIRECTORY`, else `organisation-keys` beside the development authority.
    public static var directory: URL {
        let configured = ProcessInfo.processInfo.environment["TTHC_ORGANISATION_KEYS_DIRECTORY"] ?? ""
        return configured.isEmpty ? SampleDossier.signingDirectory.appendingPathComponent("organisation-keys")
            : URL(fileURLWithPath: configured)
    }

    /// The organisations' development key, beside the development authority.
    public static let organisationKeyFile = "organisation-signer.key"

    /// Writes the keys of `codes` that are not there yet; returns how many were written.
    @discardableResult
    public static func issue(_ codes: [String], into folder: URL = directory) throws -> Int {
        guard let authority = SampleDossier.signing else { throw SignatureProblem.malformed }
        // One P-256 key for every development organisation (`servers.sh` makes it): a P-256
        // signature costs a fifth of an RSA-2048 one (Benchmarks/result-signing.sh), and archive
        // signs every result.
        let key = try Data(contentsOf: SampleDossier.signingDirectory.appendingPathComponent(organisationKeyFile))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var written = 0
        for code in codes {
            let certificateFile = folder.appendingPathComponent("\(code).cert.pem")
            let keyFile = folder.appendingPathComponent("\(code).key.pem")
            if FileManager.default.fileExists(atPath: certificateFile.path) && FileManager.default.fileExists(atPath: keyFile.path) { continue }
            let certificate = try authority.certificatePEM(commonName: "Tổ chức đảng \(code)", serialNumber: "TCD:\(code)",
                                                           subjectKeyPEM: Array(key))
            // The key first: archive takes an organisation whose two files are both there.
            try key.write(to: keyFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
            try Data(certificate.utf8).write(to: certificateFile, options: .atomic)
            written += 1
        }
        return written
    }
}
