import Foundation

/// A plain-text e-mail (RFC 5322) in UTF-8: the subject as RFC 2047 encoded-words, the body in
/// base64 (Foundation's encoder, 76-character lines), so any Vietnamese text and any line length
/// travel intact through any mail server.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var fromName: String?
    public var to: String
    public var subject: String
    public var body: String
    /// `<…@…>`: the same notice sent again carries the same id, so a re-send after a crash is
    /// recognisably the same message (and mail clients show it once).
    public var messageId: String
    public var date: Date
    /// Extra headers, e.g. `X-TTHC-Notice`.
    public var headers: [(String, String)]

    public init(from: String, fromName: String? = nil, to: String, subject: String, body: String, messageId: String,
                date: Date, headers: [(String, String)] = []) {
        self.from = from
        self.fromName = fromName
        self.to = to
        self.subject = subject
        self.body = body
        self.messageId = messageId
        self.date = date
        self.headers = headers
    }

    /// Whether `address` is a plain `local@domain` that can go into a header and an SMTP command as
    /// it is: no spaces, control characters, angle brackets, quotes or commas (an address from a
    /// registry with a CR/LF in it must not add headers or commands).
    public static func isDeliverable(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), address.utf8.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && scalar.value > 0x20 && scalar.value < 0x7F && !"<>()[]\\,;:\"".unicodeScalars.contains(scalar)
        }
    }

    public static func == (lhs: MailMessage, rhs: MailMessage) -> Bool {
        lhs.rendered == rhs.rendered
    }

    /// The message as handed to the mail server, CRLF line ends.
    public var rendered: [UInt8] {
        var lines = [
            "From: " + (fromName.map { "\(Self.encodedWords($0)) <\(from)>" } ?? from),
            "To: \(to)",
            "Subject: \(Self.encodedWords(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: \(messageId)",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ]
        lines += headers.map { "\($0.0): \($0.1)" }
        let encodedBody = Data(body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn,
                                                                         .endLineWithLineFeed])
        return Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + encodedBody + "\r\n").utf8)
    }

    /// ASCII stays as it is; anything else becomes `=?UTF-8?B?…?=` words of at most 75 characters,
    /// never splitting a character, folded onto continuation lines.
    static func encodedWords(_ text: String) -> String {
        guard !text.allSatisfy({ $0.isASCII && !$0.isNewline }) else { return text }
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            // 45 bytes of UTF-8 → 60 characters of base64 → 72 with the word's frame.
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 7 * 3600)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
