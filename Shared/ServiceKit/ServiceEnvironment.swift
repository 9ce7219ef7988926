import Foundation
import Messaging

/// The process environment as the services read it: every secret may come from a file
/// (`<NAME>_FILE`, as Docker and Kubernetes mount secrets), and development credentials are
/// refused unless development mode is asked for (`TTHC_DEVELOPMENT=1`).
public enum ServiceEnvironment {
    /// The variables that hold secrets (URLs carry passwords); each also as `<name>_FILE`.
    public static let secretVariables = [
        "TTHC_AMQP_URL", "TTHC_DATABASE_URL", "TTHC_OFFICER_TOKEN_SECRET", "TTHC_UPLOAD_TICKET_SECRET",
        "TTHC_HISTORY_KEYS", "TTHC_DOCUMENT_KEYS", "TTHC_VNPAY_HASH_SECRET", "TTHC_SMTP_PASSWORD", "TTHC_SMS_SECRET",
    ]

    /// `environment` with each `<secret>_FILE` read into `<secret>` (trailing newline trimmed).
    /// Both set, or an unreadable or empty file, is a configuration error naming the variable.
    public static func resolvingSecretFiles(_ environment: [String: String]) throws -> [String: String] {
        var resolved = environment
        for name in secretVariables {
            guard let path = environment["\(name)_FILE"], !path.isEmpty else { continue }
            if let direct = environment[name], !direct.isEmpty {
                throw ConfigurationError(variable: "\(name)_FILE", problem: "and \(name) are both set: set one")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ConfigurationError(variable: "\(name)_FILE", problem: "names \(path), which cannot be read")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw ConfigurationError(variable: "\(name)_FILE", problem: "names \(path), which is empty") }
            resolved[name] = value
        }
        return resolved
    }

    /// The process's environment with secret files read, also written back to the process so
    /// that every later reader sees the same; exits 1 naming the variable when one cannot be read.
    public static func load() -> [String: String] {
        do {
            let resolved = try resolvingSecretFiles(ProcessInfo.processInfo.environment)
            for name in secretVariables { if let value = resolved[name] { setenv(name, value, 1) } }
            return resolved
        } catch {
            FileHandle.standardError.write(Data("\(CommandLine.arguments.first.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "tthc"): \(error)\n".utf8))
            exit(1)
        }
    }

    /// `TTHC_DEVELOPMENT=1`: the development world's credentials and secrets are accepted.
    public static func isDevelopment(_ environment: [String: String]) -> Bool {
        ["1", "true", "yes"].contains(environment["TTHC_DEVELOPMENT"]?.lowercased() ?? "")
    }

    /// The HTTP token intake's migration 002 gave each development integrator: guessable, so
    /// accepted only in development mode (production sets its own, `docs/integrators.md`).
    public static func isDevelopmentToken(_ token: String, integrator: String) -> Bool { token == "\(integrator)-token" }

    /// Refuses, outside development mode, a URL whose password is the development one: the
    /// user's own name (`Deploy/rabbitmq/definitions.json`, `Deploy/postgres/roles.sql`). No
    /// password at all is left alone: certificates, peer authentication or a password file.
    static func refuseDevelopmentCredentials(in url: String, variable: String, environment: [String: String]) throws {
        guard !isDevelopment(environment),
              let components = URLComponents(string: url), components.host != nil || components.query != nil else { return }
        if let user = components.user, !user.isEmpty, components.password == user {
            throw ConfigurationError(variable: variable, problem: """
                holds the development password of \(user) (the user's own name): set a real one, \
                or TTHC_DEVELOPMENT=1 for the development world
                """)
        }
    }
}
