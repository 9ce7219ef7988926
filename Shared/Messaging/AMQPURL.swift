import Foundation

/// Where and how to reach RabbitMQ: `amqp://user:password@host:port/vhost` or `amqps://...`
/// (TLS through OpenSSL; CA file from `caCertificatePath`).
public struct AMQPURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var vhost: String
    public var user: String
    public var password: String
    public var tls: Bool
    public var caCertificatePath: String?

    public init(host: String = "127.0.0.1", port: Int = 5672, vhost: String = "/", user: String = "guest",
                password: String = "guest", tls: Bool = false, caCertificatePath: String? = nil) {
        self.host = host
        self.port = port
        self.vhost = vhost
        self.user = user
        self.password = password
        self.tls = tls
        self.caCertificatePath = caCertificatePath
    }

    public init(_ string: String, caCertificatePath: String? = nil) throws {
        guard let components = URLComponents(string: string), let scheme = components.scheme,
              scheme == "amqp" || scheme == "amqps", let host = components.host, !host.isEmpty
        else { throw AMQPURLError.invalid(string) }
        self.tls = scheme == "amqps"
        self.host = host
        self.port = components.port ?? (tls ? 5671 : 5672)
        self.user = components.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "guest"
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding } ?? "guest"
        let path = components.percentEncodedPath
        // RFC: an empty path means the default vhost "/"; "/tthc" means vhost "tthc".
        if path.isEmpty || path == "/" {
            self.vhost = "/"
        } else {
            self.vhost = String(path.dropFirst()).removingPercentEncoding ?? String(path.dropFirst())
        }
        self.caCertificatePath = caCertificatePath
    }

    /// The URL without its password, for logs.
    public var description: String {
        "\(tls ? "amqps" : "amqp")://\(user)@\(host):\(port)/\(vhost == "/" ? "" : vhost)"
    }
}

public enum AMQPURLError: Error, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid: "not an amqp:// or amqps:// URL (expected amqp://user:password@host:port/vhost)"
        }
    }
}
