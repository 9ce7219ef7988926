import CQRencode

/// A QR code's modules, encoded by libqrencode (error correction M, 8-bit mode, the smallest
/// version that fits).
public struct QRCode: Sendable, Equatable {
    /// Modules per side.
    public let size: Int
    /// Row-major; true is a dark module.
    public let modules: [Bool]

    public enum Problem: Error {
        case cannotEncode
    }

    public init(_ text: String) throws {
        guard let code = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M) else { throw Problem.cannotEncode }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = UnsafeBufferPointer(start: code.pointee.data, count: width * width)
        size = width
        // libqrencode: bit 0 of each byte is the module's colour (1 = dark).
        modules = data.map { $0 & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }
}
