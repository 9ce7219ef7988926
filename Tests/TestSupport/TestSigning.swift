import Foundation
import Signatures

/// A fresh signing CA for a test (openssl command line), like the development one of servers.sh.
public struct TestSigning {
    public let directory: URL
    public let authority: SigningAuthority
    /// The CA certificate: the trust anchor to configure.
    public let trustAnchorPEM: [UInt8]

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tthc-signing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        for arguments in [
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "signing-ca.key"],
            ["req", "-x509", "-new", "-key", "signing-ca.key", "-sha256", "-days", "3650", "-subj", "/CN=TTHC test signing CA",
             "-out", "signing-ca.pem"],
            ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "signer.key"],
        ] {
            let (status, output) = try runCommand(openssl, arguments, directory: directory)
            guard status == 0 else { throw ProcessExited(name: "openssl \(arguments[0])", status: status, log: output) }
        }
        authority = try SigningAuthority(directory: directory)
        trustAnchorPEM = Array(try Data(contentsOf: directory.appendingPathComponent("signing-ca.pem")))
    }
}
