import ArgumentParser
import Contracts
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `tthc-admin results`: what operators and party offices do with results through archive's HTTP
/// edge, as an officer (the bearer token says who and for which organisation; archive audits it).
struct Results: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results", abstract: "Results (kết quả giải quyết): those waiting for a key, digitising paper results.",
        subcommands: [Held.self, Import.self])

    struct Archive: ParsableArguments {
        @Option(help: "archive's HTTP address (env TTHC_ARCHIVE_URL).")
        var archiveURL = ProcessInfo.processInfo.environment["TTHC_ARCHIVE_URL"] ?? "http://127.0.0.1:8086"
        @Option(help: "The officer's bearer token (env TTHC_OFFICER_TOKEN; `tthc-admin tokens officer` in development).")
        var token = ProcessInfo.processInfo.environment["TTHC_OFFICER_TOKEN"] ?? ""

        /// Sends the request; archive's problem answer (RFC 9457) becomes the command's error.
        func call(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
            guard !token.isEmpty else { throw ValidationError("give --token or TTHC_OFFICER_TOKEN") }
            guard let url = URL(string: archiveURL + path) else { throw ValidationError("bad --archive-url \(archiveURL)") }
            var request = URLRequest(url: url, timeoutInterval: 30)
            request.httpMethod = method
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
            if let body {
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = body
            }
            let (data, response): (Data, URLResponse) = try await withCheckedThrowingContinuation { continuation in
                URLSession.shared.dataTask(with: request) { data, response, error in
                    if let data, let response { continuation.resume(returning: (data, response)) } else {
                        continuation.resume(throwing: error ?? URLError(.badServerResponse))
                    }
                }.resume()
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                throw ArchiveRefused(status: status, answer: String(decoding: data, as: UTF8.self))
            }
            return data
        }
    }

    struct ArchiveRefused: Error, CustomStringConvertible {
        let status: Int
        let answer: String
        var description: String { "archive answered \(status): \(answer)" }
    }

    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Results waiting for their organisation's signing key: organisation, how many, oldest decision.")
        @OptionGroup var archive: Archive

        struct Answer: Decodable {
            struct Organisation: Decodable {
                let organisationCode: String
                let held: Int
                let oldestDecidedAt: String?
            }
            let held: [Organisation]
        }

        func run() async throws {
            let answer = try JSONDecoder().decode(Answer.self, from: try await archive.call("GET", "/v1/results/held"))
            if answer.held.isEmpty { print("Không có kết quả nào chờ khóa ký của tổ chức.") }
            for organisation in answer.held {
                print("\(organisation.organisationCode)\t\(organisation.held)\t\(organisation.oldestDecidedAt ?? "")")
            }
        }
    }

    /// Đ.20: an old paper result's scan stored as an electronic copy marked converted from paper,
    /// signed by the officer's organisation; prints its codes and verification link.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Digitise a paper result (Đ.20): its scan and content become a signed electronic copy.")
        @OptionGroup var archive: Archive
        @Option(help: "The scan of the paper original: a PDF, JPEG or PNG file.") var scan: String
        @Option(help: "The holder's member id (DV…).") var memberId: String
        @Option(help: "The holder's citizen id (12 digits).") var citizenId: String
        @Option(help: "The holder's full name.") var holderName: String
        @Option(help: "The result's document type (GGT, PNX, BL, …).") var documentType: String
        @Option(help: "The number printed on the paper original.") var originalNumber: String
        @Option(help: "The paper original's date, YYYY-MM-DD.") var originalIssuedOn: String
        @Option(help: "Who issued the paper original, as printed on it.") var originalIssuer: String
        @Option(help: "A field of the paper's content as label=value; repeat for each.") var field: [String] = []

        func run() async throws {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: scan))
            let mediaType = switch URL(fileURLWithPath: scan).pathExtension.lowercased() {
            case "pdf": "application/pdf"
            case "jpg", "jpeg": "image/jpeg"
            case "png": "image/png"
            default: throw ValidationError("--scan must be a .pdf, .jpg or .png file")
            }
            var content: [String: String] = [:]
            for pair in field {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--field is label=value: \(pair)") }
                content[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            let request = DigitisedResultRequest(
                memberId: memberId, holderCitizenId: citizenId, holderName: holderName, documentTypeCode: documentType,
                originalNumber: originalNumber, originalIssuedOn: originalIssuedOn, originalIssuer: originalIssuer, content: content,
                scanMediaType: mediaType, scanBase64: bytes.base64EncodedString())
            let answer = try WireJSON.decode(DigitisedResultV1.self, from: Array(
                try await archive.call("POST", "/v1/results/digitised", body: Data(try WireJSON.encode(request)))))
            print("resultCode\t\(answer.resultCode)\nstoreCode\t\(answer.storeCode)\nverificationURL\t\(answer.verificationURL)")
        }
    }
}
