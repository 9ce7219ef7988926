import Foundation

/// The mail the local Postfix delivered (`Deploy/local/mailserver.sh`: one Maildir per address under
/// TTHC_MAILDIR_ROOT, `<domain>/<local part>/new`), read as a mail client would.
public enum Maildir {
    public struct Mail: Sendable {
        /// Header names lower-cased, folded lines joined.
        public let headers: [String: String]
        public let body: String

        public var messageId: String { headers["message-id"] ?? "" }
        /// The subject with its RFC 2047 encoded-words decoded.
        public var subject: String { Maildir.decodeWords(headers["subject"] ?? "") }
        public var rawSubject: String { headers["subject"] ?? "" }
    }

    public static var root: String { ProcessInfo.processInfo.environment["TTHC_MAILDIR_ROOT"] ?? "" }

    /// Every message delivered to `address` so far.
    public static func mails(to address: String) -> [Mail] {
        let parts = address.split(separator: "@")
        guard parts.count == 2 else { return [] }
        var mails: [Mail] = []
        for folder in ["new", "cur"] {
            let directory = "\(root)/\(parts[1])/\(parts[0])/\(folder)"
            for file in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted() {
                guard let data = FileManager.default.contents(atPath: "\(directory)/\(file)") else { continue }
                mails.append(parse(String(decoding: data, as: UTF8.self)))
            }
        }
        return mails
    }

    static func parse(_ text: String) -> Mail {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n")
        let split = normalised.range(of: "\n\n")
        let head = split.map { String(normalised[..<$0.lowerBound]) } ?? normalised
        let rawBody = split.map { String(normalised[$0.upperBound...]) } ?? ""
        var headers: [String: String] = [:]
        var current: (String, String)?
        for line in head.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.first == " " || line.first == "\t", let (name, value) = current {
                current = (name, value + " " + line.trimmingCharacters(in: .whitespaces))
                continue
            }
            if let (name, value) = current, headers[name] == nil { headers[name] = value }
            guard let colon = line.firstIndex(of: ":") else { current = nil; continue }
            current = (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if let (name, value) = current, headers[name] == nil { headers[name] = value }
        let base64 = headers["content-transfer-encoding"]?.lowercased() == "base64"
        let body = base64
            ? Data(base64Encoded: rawBody.filter { !$0.isWhitespace }).map { String(decoding: $0, as: UTF8.self) } ?? rawBody
            : rawBody
        return Mail(headers: headers, body: body)
    }

    /// `=?UTF-8?B?…?=` words (adjacent ones joined, the whitespace between them dropped).
    static func decodeWords(_ text: String) -> String {
        var out = ""
        for token in text.split(separator: " ", omittingEmptySubsequences: true) {
            if token.hasPrefix("=?UTF-8?B?") || token.hasPrefix("=?utf-8?b?"), token.hasSuffix("?=") {
                let payload = token.dropFirst(10).dropLast(2)
                out += Data(base64Encoded: String(payload)).map { String(decoding: $0, as: UTF8.self) } ?? String(token)
            } else {
                out += (out.isEmpty ? "" : " ") + token
            }
        }
        return out
    }
}
