import Crypto

/// Lower-case hex SHA-256, as attachments declare their digest.
func digestHex(_ bytes: [UInt8]) -> String {
    SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
}
