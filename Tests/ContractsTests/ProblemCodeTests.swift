import Contracts
import Foundation
import XCTest

/// The catalogue of codes (`ProblemCodes`) is the code's: every code the services produce is in
/// it, every code in it is produced somewhere, and the guide and the schemas say what it says.
/// Regenerate the table of docs/problem-codes.md with `TTHC_WRITE_PROBLEM_CODES=1 swift test --filter ProblemCodeTests`;
/// a schema's description the test names is set to the sentence it prints.
final class ProblemCodeTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let guide = root.appendingPathComponent("docs/problem-codes.md")
    static let begin = "<!-- problem-codes:begin (generated from Shared/Contracts/ProblemCodes.swift) -->\n"
    static let end = "<!-- problem-codes:end -->"
    /// The code fields of the schemas, with the families they carry.
    static let schemaFields: [(file: String, path: [String], families: [ProblemCodes.Family])] = [
        ("common.schema.json", ["$defs", "problem", "properties", "code"], [.technicalCheck, .contentCheck]),
        ("dossier.refused.v1.schema.json", ["properties", "data", "properties", "reasonCode"], [.refusal]),
        ("temporary-transfer.extension-refused.v1.schema.json", ["properties", "data", "properties", "refusalCode"], [.extensionRefusal]),
        ("feedback.updated.v1.schema.json", ["properties", "data", "properties", "refusalCode"], [.feedbackRefusal]),
        ("message.dead-lettered.v1.schema.json", ["properties", "data", "properties", "errorCode"], [.deadLetter]),
    ]

    /// Swift sources of the services and shared libraries, but the catalogue itself.
    func sources() throws -> [(path: String, text: String)] {
        var found: [(String, String)] = []
        for folder in ["Services", "Shared"] {
            let enumerator = FileManager.default.enumerator(at: Self.root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard url.pathExtension == "swift", url.lastPathComponent != "ProblemCodes.swift" else { continue }
                found.append((url.path, try String(contentsOf: url, encoding: .utf8)))
            }
        }
        return found
    }

    /// Codes the sources produce, by the shapes that produce them.
    func producedCodes() throws -> Set<String> {
        let patterns = [
            #"Problem\(\s*code: "([a-z0-9-]+)""#, #"\badd\("([a-z0-9-]+)","#, #"code: "([a-z0-9-]+)", message:"#,
            #"\.refused\(\s*code: "([a-z0-9-]+)""#, #"PermanentFailure\(\s*code: "([a-z0-9-]+)""#,
            #"HTTPError\.response\(\.[a-zA-Z]+, "([a-z0-9-]+)""#, #"case \.[a-zA-Z]+: "(signature-[a-z-]+)""#,
            #"[:?] \("([a-z]+(?:-[a-z]+)+)", ""#, #"deadLettered\(type: "[a-z]+", code: "([a-z0-9-]+)"\)"#,
            #"(?:init|Body)\(code: "([a-z0-9-]+)""#,
            // PAKN refusals (RoutingRules' FeedbackLifecycle and routing's follow-up handler).
            #"\brefuse\("([a-z0-9-]+)""#, #"FeedbackRefusal\(code: "([a-z0-9-]+)""#,
        ]
        var codes: Set<String> = []
        for (path, text) in try sources() {
            // Officers' HTTP edges (routing, validation) answer officers, not integrators.
            if Self.isOfficersEdge(path) { continue }
            for pattern in patterns {
                let regex = try NSRegularExpression(pattern: pattern)
                for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    codes.insert(String(text[Range(match.range(at: 1), in: text)!]))
                }
            }
        }
        return codes
    }

    static func isOfficersEdge(_ path: String) -> Bool {
        path.contains("/Services/Routing/HTTP/") || path.contains("/Services/Validation/HTTP/") || path.hasSuffix("/OfficerRequests.swift")
            // Archive's results edge: officers revoke and digitise; the public verification page has no codes.
            || path.contains("/Services/Archive/HTTP/Results/")
            // The SMS gateway's delivery reports: answered to the gateway (its protocol), not to integrators.
            || path.hasSuffix("/Services/Notification/HTTP/DeliveryReportRoutes.swift")
    }

    func testEveryProducedCodeIsCataloguedAndEveryCataloguedCodeIsProduced() throws {
        let catalogued = Set(ProblemCodes.all.map(\.code))
        XCTAssertEqual(catalogued.count, ProblemCodes.all.count, "a code is catalogued twice")
        let produced = try producedCodes()
        XCTAssertEqual(produced.subtracting(catalogued).sorted(), [], "produced but not in ProblemCodes")
        XCTAssertEqual(catalogued.subtracting(produced).sorted(), [], "in ProblemCodes but nothing produces it")
    }

    func testTheGuideAndTheSchemasShowTheCatalogue() throws {
        var guide = try String(contentsOf: Self.guide, encoding: .utf8)
        let start = try XCTUnwrap(guide.range(of: Self.begin), "the guide has no problem-codes section")
        let stop = try XCTUnwrap(guide.range(of: Self.end, range: start.upperBound..<guide.endIndex))
        let write = ProcessInfo.processInfo.environment["TTHC_WRITE_PROBLEM_CODES"] == "1"
        if write {
            guide.replaceSubrange(start.upperBound..<stop.lowerBound, with: ProblemCodes.markdown() + "\n")
            try guide.write(to: Self.guide, atomically: true, encoding: .utf8)
        } else {
            XCTAssertEqual(String(guide[start.upperBound..<stop.lowerBound]), ProblemCodes.markdown() + "\n",
                           "docs/problem-codes.md: regenerate with TTHC_WRITE_PROBLEM_CODES=1")
        }
        for field in Self.schemaFields {
            let url = Self.root.appendingPathComponent("Shared/Contracts/Schemas/\(field.file)")
            let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            let expected = ProblemCodes.schemaDescription(field.families)
            let node = field.path.reduce(schema as Any?) { ($0 as? [String: Any])?[$1] } as? [String: Any]
            XCTAssertEqual(node?["description"] as? String, expected, "\(field.file) \(field.path.joined(separator: "/")): set the description")
            if field.families == [.deadLetter] {
                // The dead-letter codes are a closed list: the schema enforces it.
                XCTAssertEqual(node?["enum"] as? [String], ProblemCodes.all.filter { $0.family == .deadLetter }.map(\.code),
                               "\(field.file): the enum is the catalogue's dead-letter codes")
            }
        }
    }
}
