/// A file's real media type from its first bytes, whatever its name or the sender says: the types
/// the catalog allows for components and scans (PDF, JPEG, PNG).
enum MediaSniffer {
    /// Bytes needed to tell them apart.
    static let prefixBytes = 8

    static func type(of bytes: some Collection<UInt8>) -> String? {
        let head = Array(bytes.prefix(prefixBytes))
        if head.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        return nil
    }
}
