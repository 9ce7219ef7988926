import Calendar
import Foundation

/// Procedure codes (mã TTHC) of the four procedures run online (DOMAIN §2).
public enum ProcedureCode {
    /// Chuyển sinh hoạt đảng chính thức.
    public static let officialTransfer = "CSHD.CHINHTHUC"
    /// Chuyển sinh hoạt đảng tạm thời.
    public static let temporaryTransfer = "CSHD.TAMTHOI"
    /// Thu, nộp đảng phí.
    public static let partyDues = "DANGPHI"
    /// Lấy ý kiến nhận xét của chi ủy, chi bộ nơi cư trú.
    public static let residenceComments = "NHANXET.CUTRU"
    public static let all = [officialTransfer, temporaryTransfer, partyDues, residenceComments]
}

/// Dossier code (mã hồ sơ): `<receiving organisation code>-<yyMMdd>-<sequence>`, the sequence
/// per organisation per day (Vietnam time), gap-free, never reused.
public struct DossierCode: Hashable, Sendable, CustomStringConvertible {
    public let organisationCode: String
    public let day: String
    public let sequence: Int

    public init(organisationCode: String, receivedAt: Date, sequence: Int) {
        self.organisationCode = organisationCode
        self.day = Self.dayStamp(receivedAt)
        self.sequence = sequence
    }

    public var description: String {
        let digits = String(sequence)
        return "\(organisationCode)-\(day)-\(String(repeating: "0", count: max(0, 6 - digits.count)))\(digits)"
    }

    /// `yyMMdd` of the instant in Vietnam (UTC+7, no daylight saving).
    public static func dayStamp(_ date: Date) -> String {
        let t = VietnamTime.civil(date)
        var out = CivilTime.Text(capacity: 6)
        out.append(t.year % 100, width: 2)
        out.append(t.month, width: 2)
        out.append(t.day, width: 2)
        return out.string
    }

    /// The calendar day in Vietnam as `YYYY-MM-DD`, for the per-day sequence key.
    public static func isoDay(_ date: Date) -> String { VietnamTime.dayString(date) }
}

/// Result code (Đ.17.3c): `KQ.<member or organisation id>.<document type code>.<document number>`.
public func resultCode(holder: String, documentTypeCode: String, number: String) -> String {
    "KQ.\(holder).\(documentTypeCode).\(number)"
}
