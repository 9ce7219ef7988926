/// How long an SMS may be: one message of 160 characters in the GSM 03.38 default alphabet
/// (GSM-7; `^{}\[~]|€` take two), or 70 UTF-16 units in UCS-2 otherwise. Vietnamese with its
/// diacritics is UCS-2, so brandname SMS forms are written without them (không dấu), as operators
/// send them, and fit in 160.
public enum SMSText {
    public enum Encoding: String, Sendable { case gsm7 = "GSM-7", ucs2 = "UCS-2" }

    public struct Measure: Sendable, Equatable {
        public let encoding: Encoding
        /// Septets (GSM-7) or UTF-16 units (UCS-2).
        public let length: Int
        public let limit: Int
        public var fits: Bool { length <= limit }

        public init(encoding: Encoding, length: Int, limit: Int) {
            self.encoding = encoding
            self.length = length
            self.limit = limit
        }
    }

    static let basic: Set<Character> = Set(
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
    static let extended: Set<Character> = Set("^{}\\[~]|€\u{0C}")

    public static func measure(_ text: String) -> Measure {
        var septets = 0
        for character in text {
            if basic.contains(character) {
                septets += 1
            } else if extended.contains(character) {
                septets += 2
            } else {
                return Measure(encoding: .ucs2, length: text.utf16.count, limit: 70)
            }
        }
        return Measure(encoding: .gsm7, length: septets, limit: 160)
    }
}
