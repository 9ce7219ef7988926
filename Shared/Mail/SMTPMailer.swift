import CCurl
import Foundation
import Synchronization

/// Where and how to hand e-mail over: an SMTP server reached with STARTTLS (required) and
/// authentication, through libcurl's SMTP.
public struct SMTPSettings: Sendable, Equatable {
    /// `smtp://host:port` (STARTTLS is required on it) or `smtps://host:port`.
    public var url: String
    public var username: String?
    public var password: String?
    /// The CA that signed the server's certificate, when not a system one.
    public var caFile: String?
    /// The envelope sender and `From:` address.
    public var from: String
    public var fromName: String?
    public var timeoutSeconds: Int

    public init(url: String, username: String?, password: String?, caFile: String?, from: String, fromName: String? = nil,
                timeoutSeconds: Int = 30) {
        self.url = url
        self.username = username
        self.password = password
        self.caFile = caFile
        self.from = from
        self.fromName = fromName
        self.timeoutSeconds = timeoutSeconds
    }

    /// From TTHC_SMTP_URL (unset: no e-mail channel), TTHC_SMTP_USERNAME, TTHC_SMTP_PASSWORD (its
    /// _FILE read by ServiceEnvironment), TTHC_SMTP_CA_FILE, TTHC_SMTP_FROM, TTHC_SMTP_FROM_NAME.
    public static func fromEnvironment(_ environment: [String: String]) throws -> SMTPSettings? {
        // Compose passes unset variables as empty strings: empty is unset.
        let environment = environment.filter { !$0.value.isEmpty }
        guard let url = environment["TTHC_SMTP_URL"] else { return nil }
        let password = environment["TTHC_SMTP_PASSWORD"]
        guard let from = environment["TTHC_SMTP_FROM"], MailMessage.isDeliverable(from) else {
            throw SMTPConfigurationError(problem: "TTHC_SMTP_FROM (the sender's address, local@domain.tld) is required with TTHC_SMTP_URL")
        }
        return SMTPSettings(url: url, username: environment["TTHC_SMTP_USERNAME"], password: password,
                            caFile: environment["TTHC_SMTP_CA_FILE"], from: from, fromName: environment["TTHC_SMTP_FROM_NAME"],
                            timeoutSeconds: Int(environment["TTHC_SMTP_TIMEOUT_SECONDS"] ?? "") ?? 30)
    }
}

public struct SMTPConfigurationError: Error, CustomStringConvertible {
    public let problem: String
    public init(problem: String) { self.problem = problem }
    public var description: String { problem }
}

/// What the mail server said about one message.
public enum SMTPOutcome: Sendable, Equatable {
    /// Taken for delivery (250 after the data).
    case accepted
    /// The server refused this recipient for good (5xx at RCPT): sending it again cannot work.
    case recipientRefused(code: Int, detail: String)
    /// Not taken this time: the server is down, slow, busy (4xx), or refused us (authentication,
    /// TLS) — a configuration to fix, retried meanwhile.
    case notTaken(code: Int, detail: String)
}

/// Hands e-mail to the mail server through libcurl. One connection is kept and reused between
/// messages (libcurl's connection cache on one easy handle); calls are serialised.
public final class SMTPMailer: Sendable {
    public let settings: SMTPSettings
    private let handle: Mutex<UnsafeMutableRawPointer?>

    public init(settings: SMTPSettings) {
        self.settings = settings
        _ = Self.globalInit
        handle = Mutex(curl_easy_init())
    }

    deinit {
        handle.withLock { if let easy = $0 { curl_easy_cleanup(easy) } }
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public func send(_ message: MailMessage) -> SMTPOutcome {
        guard MailMessage.isDeliverable(message.to), MailMessage.isDeliverable(settings.from) else {
            return .recipientRefused(code: 0, detail: "not a deliverable address: \(message.to.debugDescription)")
        }
        return handle.withLock { easy -> SMTPOutcome in
            guard let easy else { return .notTaken(code: 0, detail: "libcurl could not start") }
            return Self.transfer(easy, message, settings)
        }
    }

    /// The bytes of one message, read by libcurl as it uploads.
    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
    }

    private static func transfer(_ easy: UnsafeMutableRawPointer, _ message: MailMessage, _ settings: SMTPSettings) -> SMTPOutcome {
        curl_easy_reset(easy)
        let upload = Upload(message.rendered)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "<\(message.to)>")
        defer { curl_slist_free_all(recipients) }
        let code: CURLcode = withExtendedLifetime(upload) {
            errorBuffer.withUnsafeMutableBufferPointer { errors in
                tthc_curl_setopt_string(easy, CURLOPT_URL, settings.url)
                tthc_curl_setopt_long(easy, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
                if let caFile = settings.caFile { tthc_curl_setopt_string(easy, CURLOPT_CAINFO, caFile) }
                if let username = settings.username { tthc_curl_setopt_string(easy, CURLOPT_USERNAME, username) }
                if let password = settings.password { tthc_curl_setopt_string(easy, CURLOPT_PASSWORD, password) }
                tthc_curl_setopt_string(easy, CURLOPT_MAIL_FROM, "<\(settings.from)>")
                tthc_curl_setopt_list(easy, CURLOPT_MAIL_RCPT, recipients)
                tthc_curl_setopt_long(easy, CURLOPT_UPLOAD, 1)
                tthc_curl_setopt_long(easy, CURLOPT_TIMEOUT, settings.timeoutSeconds)
                tthc_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT, min(settings.timeoutSeconds, 10))
                tthc_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
                tthc_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errors.baseAddress))
                tthc_curl_setopt_pointer(easy, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque())
                tthc_curl_setopt_read_function(easy) { buffer, size, count, context in
                    guard let buffer, let context else { return 0 }
                    let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
                    let n = min(size * count, upload.bytes.count - upload.offset)
                    upload.bytes.withUnsafeBufferPointer { source in
                        UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + upload.offset, byteCount: n)
                    }
                    upload.offset += n
                    return n
                }
                let code = curl_easy_perform(easy)
                // The handle lives on (its connection is reused): it must not keep pointers to what dies here.
                tthc_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, nil)
                tthc_curl_setopt_pointer(easy, CURLOPT_READDATA, nil)
                tthc_curl_setopt_list(easy, CURLOPT_MAIL_RCPT, nil)
                return code
            }
        }
        var response = 0
        tthc_curl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &response)
        if code == CURLE_OK { return .accepted }
        let written = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let detail = written.isEmpty ? String(cString: curl_easy_strerror(code)) : written
        // libcurl names the stage: only a refusal at RCPT saying the mailbox is unknown, not local or
        // not allowed (550, 551, 553) is about this recipient; 554 and the rest (a relay or policy
        // refusing us, storage) are ours or the server's to fix, retried meanwhile.
        if [550, 551, 553].contains(response), detail.hasPrefix("RCPT failed") { return .recipientRefused(code: response, detail: detail) }
        return .notTaken(code: response, detail: detail)
    }
}
