import ArgumentParser
import Calendar
import Contracts
import Development
import Foundation
import ServiceKit
import Signatures
import ValidationRules

/// The integrators' contract kit: checks `dossier.submit.v1` and `dossier.supplement.v1` messages
/// offline with the system's own rules and problem codes — intake's technical check (Đ.14.1), then
/// validation's content check (form rules, components, signatures: Đ.14.2) — so an integrator
/// finds every problem before publishing. What only the registry knows (a member's data, whether
/// they are active) cannot be judged offline and is left out.
struct ContractsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts", abstract: "The integrators' contract kit.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check messages (a whole CloudEvent, or the HTTP body) against the schemas and the catalog, offline.",
            discussion: "Prints every problem (code, JSON path, Vietnamese message) per file; exits 1 when any file has one.")
        @Argument(help: "JSON files: dossier.submit.v1 or dossier.supplement.v1.") var files: [String]
        @Option(help: "PEM file of the trusted signing authorities (default: TTHC_SIGNATURE_TRUST_ANCHORS, else the development authority).")
        var trustAnchors: String?
        @Option(help: "The member's citizen id, when the message leaves it to the registry (for the signer check).") var citizenId: String?
        @Flag(help: "Print the outcome of each file as JSON.") var json = false

        func run() throws {
            let kit = try ContractKit(trustAnchors: trustAnchors, citizenId: citizenId)
            var reports: [ContractKit.Report] = []
            for file in files {
                let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: file)))
                reports.append(kit.check(bytes, file: file))
            }
            if json {
                print(String(decoding: try WireJSON.encode(reports), as: UTF8.self))
            } else {
                for report in reports {
                    if report.problems.isEmpty {
                        print("\(report.file): \(report.outcome)\(report.note.map { " (\($0))" } ?? "")")
                    }
                    for problem in report.problems { print("\(report.file): \(problem.code) \(problem.path) \(problem.message)") }
                }
            }
            if reports.contains(where: { !$0.problems.isEmpty }) { throw ExitCode(1) }
        }
    }
}

struct ContractKit {
    struct Report: Codable {
        var file: String
        /// `ok`, `rejected` (intake's answer), `supplement-requested` or `refused` (validation's).
        var outcome: String
        var problems: [Problem]
        var note: String?
    }

    let catalog: ProcedureCatalog
    let check: ContentCheck
    let citizenId: String?

    init(trustAnchors: String?, citizenId: String?) throws {
        catalog = try ProcedureCatalog.configured()
        let environment = ProcessInfo.processInfo.environment["TTHC_SIGNATURE_TRUST_ANCHORS"] ?? ""
        let path = trustAnchors ?? (environment.isEmpty ? DevelopmentMaterial.directory.appendingPathComponent("signing-ca.pem").path : environment)
        // An anchors file named on the command line must be readable; the development one may be absent.
        let anchors = trustAnchors != nil ? try Array(Data(contentsOf: URL(fileURLWithPath: path)))
            : try? Array(Data(contentsOf: URL(fileURLWithPath: path)))
        check = ContentCheck(catalog: catalog, calendars: try OfficeCalendars.bundled(),
                             verifier: try anchors.map { try DetachedSignatureVerifier(trustAnchorsPEM: $0) })
        self.citizenId = citizenId
    }

    func check(_ bytes: [UInt8], file: String) -> Report {
        func fail(_ code: String, _ message: String) -> Report {
            Report(file: file, outcome: "rejected", problems: [Problem(code: code, path: "$", message: message)])
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return fail("malformed-json", "Nội dung không phải JSON hợp lệ.")
        }
        // A whole CloudEvent names its type; an HTTP body (the data alone) is a submission.
        var type = MessageType.dossierSubmit
        var data = bytes
        if object["specversion"] != nil {
            guard let name = object["type"] as? String, let known = MessageType(cloudEventType: name) else {
                return fail("unknown-type", "Loại thông điệp \(WireText.quote(object["type"] as? String ?? "")) không có trong hợp đồng.")
            }
            guard MessageDirectory.integratorCommands.contains(known) else {
                return fail("unknown-type", "Hệ thống gửi chỉ được gửi \(MessageDirectory.integratorCommands.map(\.routingKey).joined(separator: ", ")).")
            }
            type = known
            guard let payload = object["data"], let encoded = try? JSONSerialization.data(withJSONObject: payload) else {
                return fail("invalid-envelope", "Thiếu trường data của CloudEvent.")
            }
            data = Array(encoded)
        }
        do {
            if type == .dossierSupplement {
                return supplement(try WireJSON.decode(DossierSupplementV1.self, from: data), file: file)
            }
            if type == .dossierSubmitV2 {
                return submission(try WireJSON.decode(DossierSubmitV2.self, from: data).declared, file: file)
            }
            return submission(try WireJSON.decode(DossierSubmitV1.self, from: data), file: file)
        } catch let error as DecodingError {
            return fail("schema-violation", "Thông điệp không đúng cấu trúc: \(describeDecodingError(error))")
        } catch {
            return fail("malformed-json", "\(error)")
        }
    }

    func submission(_ submit: DossierSubmitV1, file: String) -> Report {
        let now = Date()
        let procedure = catalog.procedure(submit.procedureCode, at: now)
        let technical = TechnicalCheck.problems(in: submit, procedure: procedure, textProblems: WireText.problems(in: submit))
        guard technical.isEmpty else { return Report(file: file, outcome: "rejected", problems: technical) }
        let received = DossierReceivedV1(
            dossierCode: "KIT-000000-000000", integrator: "contract-kit", clientSubmissionId: submit.clientSubmissionId,
            procedureCode: submit.procedureCode, receivingOrganisationCode: submit.receivingOrganisationCode,
            submitter: submit.submitter, form: submit.form, attachments: submit.attachments, receivedAt: now,
            officialReceiptAt: now, delegation: submit.delegation)
        // The registry's part is unknown offline: the member is taken as the message describes them.
        let citizen = submit.submitter.citizenId ?? citizenId
        let member = MemberRecord(
            memberId: submit.submitter.memberId, citizenId: citizen ?? "", partyCardNumber: submit.submitter.partyCardNumber ?? "00000000",
            fullName: submit.submitter.fullName, dateOfBirth: submit.form["ngaySinh"].flatMap { $0.isEmpty ? nil : $0 } ?? "1970-01-01",
            status: .full, organisationCode: submit.form["chiBoHienTai"].flatMap { $0.isEmpty ? nil : $0 } ?? submit.receivingOrganisationCode)
        var note = "the registry's data (the member, their standing) is checked only by the system"
        switch check.check(DossierContent(received: received), member: member) {
        case .accepted, .awaitingRegistry:
            return Report(file: file, outcome: "ok", problems: [], note: note)
        case .awaitingDocuments:
            // Uploaded documents are known only to the system: their references are judged there.
            return Report(file: file, outcome: "ok", problems: [],
                          note: note + "; components referenced by documentId are checked against the uploaded documents by the system")
        case .refused(let code, let reason):
            return Report(file: file, outcome: "refused", problems: [Problem(code: code, path: "$.data", message: reason)])
        case .supplementRequested(_, var problems):
            if citizen == nil {
                problems.removeAll { $0.code == "signer-not-member" }
                note += "; the signer was not compared with the member: give submitter.citizenId or --citizen-id"
            }
            return Report(file: file, outcome: problems.isEmpty ? "ok" : "supplement-requested", problems: problems,
                          note: problems.isEmpty ? note : nil)
        }
    }

    /// An amendment cannot be judged against its dossier offline: its own texts, components and
    /// corrections are.
    func supplement(_ supplement: DossierSupplementV1, file: String) -> Report {
        let problems = WireText.problems(in: supplement) + TechnicalCheck.attachmentProblems(supplement.attachments, procedure: nil)
            + TechnicalCheck.correctionProblems(supplement.submitter)
        return Report(file: file, outcome: problems.isEmpty ? "ok" : "rejected", problems: problems,
                      note: problems.isEmpty ? "checked against its dossier by the system" : nil)
    }
}
