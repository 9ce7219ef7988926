import ArgumentParser
import Contracts
import Development
import Foundation
import ServiceKit
import Signatures

/// The development world's credentials, made from the material `Deploy/local/servers.sh` keeps
/// (`TTHC_DEV_SIGNING_DIRECTORY`, by default /var/tmp/tthc-erlang/dev-signing): found without
/// any environment, so a newcomer's shell needs nothing exported.
enum DevelopmentMaterial {
    static var directory: URL { SampleDossier.signingDirectory }

    static func file(_ name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw ValidationError("\(url.path) is missing: start the development servers first (bash Deploy/local/servers.sh start)")
        }
        return text
    }

    static func authority() throws -> SigningAuthority {
        guard let authority = SampleDossier.signing else {
            throw ValidationError("no development signing authority in \(directory.path): start the servers first (bash Deploy/local/servers.sh start)")
        }
        return authority
    }
}

struct Certificates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certificates", abstract: "Test signing certificates from the development signing authority.",
        subcommands: [Issue.self])

    struct Issue: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a member's (or an organisation's) test certificate and key, for signing components with openssl cms.",
            discussion: """
                Writes <id>.cert.pem and <id>.key.pem to --out. Sign a component (detached CMS, DER):
                  openssl cms -sign -binary -outform DER -in don.pdf -signer DV0000001.cert.pem -inkey DV0000001.key.pem -out don.pdf.p7s
                The certificate's subject carries serialNumber=CCCD:<citizen id> (an organisation: TCD:<code>), key usage
                digitalSignature and nonRepudiation, and chains to the development authority validation trusts.
                """)
        @Option(help: "Member id of the development registry (DV0000001…).") var member: String?
        @Option(help: "Organisation code (e.g. HN.CS001), for components an organisation signs (NHANXET.CUTRU).") var organisation: String?
        @Option(help: "Folder to write to.") var out = "."

        func run() throws {
            let (id, commonName, serial): (String, String, String)
            switch (member, organisation) {
            case (let member?, nil):
                guard member.hasPrefix("DV"), let number = Int(member.dropFirst(2)), number > 0 else {
                    throw ValidationError("--member takes a development member id, DV0000001…")
                }
                let record = MemberFixture.member(number: number)
                (id, commonName, serial) = (record.memberId, record.fullName, "CCCD:\(record.citizenId)")
            case (nil, let organisation?):
                (id, commonName, serial) = (organisation, "Tổ chức đảng \(organisation)", "TCD:\(organisation)")
            default:
                throw ValidationError("give --member or --organisation")
            }
            let authority = try DevelopmentMaterial.authority()
            let certificate = try authority.certificatePEM(try authority.signer(commonName: commonName, serialNumber: serial))
            let folder = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let certificateFile = folder.appendingPathComponent("\(id).cert.pem")
            let keyFile = folder.appendingPathComponent("\(id).key.pem")
            try Data(certificate.utf8).write(to: certificateFile)
            try Data(try DevelopmentMaterial.file("signer.key").utf8).write(to: keyFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
            print("\(certificateFile.path)\n\(keyFile.path)\nsubject: CN=\(commonName), serialNumber=\(serial)")
        }
    }
}

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Officers' tokens for the development world.", subcommands: [Officer.self])

    struct Officer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an officer's bearer token (JWT, HS256 with TTHC_OFFICER_TOKEN_SECRET; claims sub, org, role, exp).")
        @Option(help: "The organisation the officer acts for (e.g. HN.CB0001); for a portal, its integrator name.") var org: String
        @Option(help: "officer, auditor, or portal (an integrator reading its members' notices: --person is its integrator name).")
        var role = "officer"
        @Option(help: "The person's id (sub).") var person = "CB0001"
        @Option(help: "Minutes the token is valid.") var minutes = 60

        func run() async throws {
            guard ["officer", "auditor", "portal"].contains(role) else { throw ValidationError("--role is officer, auditor or portal") }
            let configured = ProcessInfo.processInfo.environment["TTHC_OFFICER_TOKEN_SECRET"] ?? ""
            let secret = configured.isEmpty
                ? try DevelopmentMaterial.file("officer-token.secret").trimmingCharacters(in: .whitespacesAndNewlines) : configured
            let claims = OfficerClaims(person: person, organisation: org, role: role, expires: Date().addingTimeInterval(Double(minutes) * 60))
            print(try await OfficerTokens(secret: secret).sign(claims))
        }
    }
}
