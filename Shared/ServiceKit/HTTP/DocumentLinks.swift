import Foundation

/// Where officers read a dossier's documents: archive's `GET /v1/dossiers/{code}/documents`
/// (issue 17), linked from routing's and validation's officer views. `TTHC_ARCHIVE_URL`: archive's
/// address as officers reach it.
public struct DocumentLinks: Sendable {
    public let archiveURL: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        archiveURL = environment["TTHC_ARCHIVE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8086"
    }

    public func dossierDocuments(_ dossierCode: String) -> String {
        "\(archiveURL)/v1/dossiers/\(dossierCode.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? dossierCode)/documents"
    }
}
