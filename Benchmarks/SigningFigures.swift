import Foundation
import Signatures

/// Result signing alone (issue 16): how many results one core signs per second with each key of a
/// folder (`<name>.key.pem` / `<name>.cert.pem`, as `Benchmarks/result-signing.sh` makes them:
/// RSA-2048 and P-256), and how many it verifies, over a result document of realistic size.
enum SigningFigures {
    static func run(keys directory: URL, count: Int, trustAnchors: URL?) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".key.pem") }.map { String($0.dropLast(".key.pem".count)) }.sorted()
        let document = Array(String(repeating: #"{"resultCode":"KQ.001085000123.GGT.1-2026-HN.CB0001","holderName":"Nguyễn Văn An"}"#,
                                    count: 8).utf8)
        let keys = PEMOrganisationKeys(directory: directory)
        let verifier = try trustAnchors.map { try DetachedSignatureVerifier(trustAnchorsPEM: Array(try Data(contentsOf: $0))) }
        for name in names {
            guard let signer = try keys.signer(for: name) else { continue }
            var signature: [UInt8] = []
            let started = Date()
            for _ in 0..<count { signature = try signer.sign(document) }
            let signSeconds = Date().timeIntervalSince(started)
            var line = String(format: "%@: %.0f results signed/s (%.3f ms each), signature %d bytes", name,
                              Double(count) / signSeconds, signSeconds * 1000 / Double(count), signature.count)
            if let verifier {
                let verifyStarted = Date()
                for _ in 0..<count { _ = try verifier.verify(signature: signature, content: document, fallbackTime: Date()) }
                let verifySeconds = Date().timeIntervalSince(verifyStarted)
                line += String(format: "; %.0f verified/s", Double(count) / verifySeconds)
            }
            print(line)
        }
    }
}
