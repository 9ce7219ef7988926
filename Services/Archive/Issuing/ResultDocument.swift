import Contracts
import Foundation

/// The result document (kết quả giải quyết) as signed: its canonical bytes are `WireJSON` (sorted
/// keys), kept byte for byte in `results.document` beside the detached signature over them.
struct ResultDocument: Codable, Sendable, Equatable {
    /// The issuing system's name, as the paper copy prints it (Đ.21).
    static let issuingSystem = "Hệ thống thủ tục hành chính của Đảng"

    var issuingSystem = Self.issuingSystem
    /// `KQ.<holder>.<document type>.<document number>` (Đ.17.3c).
    var resultCode: String
    /// `<dossier code>-KQ(n)`, the code in the data store (Đ.17.3đ).
    var storeCode: String
    /// The dossier, or for a digitised paper result its digitisation record (`<organisation>-SH-<year>-<n>`).
    var dossierCode: String
    /// nil for a digitised paper result, which no procedure of this system decided.
    var procedureCode: String?
    var documentTypeCode: String
    /// The issuing organisation's own number: `<n>-<year>-<organisation code>`.
    var documentNumber: String
    var decision: DossierDecidedV1.Decision
    var reason: String?
    var memberId: String
    var holderCitizenId: String?
    var holderName: String?
    var issuingOrganisationCode: String
    var decidedAt: Date
    var issuedAt: Date
    /// What the route gave the result (the letter's dues line, the residence cell's comments …), or
    /// a digitised result's content as on the paper.
    var resultData: [String: String]?
    /// Set when the result is an electronic copy converted from a paper original (Đ.20.3c).
    var convertedFromPaper: PaperOriginal?
}

/// The paper original a digitised result was converted from (Đ.20), bound by the scan's digest.
struct PaperOriginal: Codable, Sendable, Equatable {
    var number: String
    var issuedOn: String
    var issuer: String
    var scanSha256: String
    var scanMediaType: String
}

/// Codes and names of results (Đ.17.3c–đ).
enum ResultCodes {
    /// The catalog's result document type for the procedure, `TBTC` (thông báo từ chối) for a refusal.
    static func documentType(of decided: DossierDecidedV1, catalog: ProcedureCatalog) -> String {
        if decided.decision == .refused { return "TBTC" }
        return catalog.procedure(decided.procedureCode, at: decided.decidedAt)?.resultDocumentType ?? "KQ"
    }

    /// The issuing organisation's number for the year: `<n>-<year>-<organisation code>`, so that two
    /// organisations' numbers for one holder never meet.
    static func documentNumber(_ number: Int, year: Int, organisation: String) -> String {
        "\(number)-\(year)-\(organisation)"
    }

    static func storeCode(dossierCode: String, resultNumber: Int) -> String {
        "\(dossierCode)-KQ(\(resultNumber))"
    }

    /// The holder's name as a public page shows it: the family name, then initials
    /// ("Nguyễn Văn An" → "Nguyễn V. A.").
    static func masked(_ name: String?) -> String? {
        guard let words = name?.split(separator: " ").filter({ !$0.isEmpty }), let first = words.first else { return nil }
        return ([String(first)] + words.dropFirst().map { "\($0.prefix(1))." }).joined(separator: " ")
    }

    /// The result code as a public page shows it: the holder's citizen id masked but for its
    /// first and last 3 digits ("KQ.001******123.GGT.1-2026-HN.CB0001").
    static func publicCode(_ code: String?) -> String? {
        guard let code else { return nil }
        var parts = code.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 2, parts[1].count == 12, parts[1].allSatisfy(\.isNumber) else { return code }
        parts[1] = parts[1].prefix(3) + "******" + parts[1].suffix(3)
        return parts.joined(separator: ".")
    }

}
