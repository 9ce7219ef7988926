import Contracts
import Foundation
import XCTest

/// The Swift types and the JSON Schemas agree: every example (validated against its schema by
/// check-jsonschema in Deploy/local/check-contracts.sh) decodes and re-encodes without loss.
final class ExampleTests: XCTestCase {
    static let contracts: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Shared/Contracts")
    }()

    func roundTrip<Payload: Codable & Sendable>(_ payload: Payload.Type, _ bytes: [UInt8]) throws -> [UInt8] {
        try WireJSON.encode(try WireJSON.decode(Envelope<Payload>.self, from: bytes))
    }

    func testEveryMessageTypeHasASchemaAndAnExampleThatRoundTrips() throws {
        for (type, payload) in ContractCatalog.payloadTypes {
            let schema = Self.contracts.appendingPathComponent("Schemas/\(type.routingKey).schema.json")
            XCTAssertTrue(FileManager.default.fileExists(atPath: schema.path), "schema for \(type)")
            let example = try Data(contentsOf: Self.contracts.appendingPathComponent("Examples/\(type.routingKey).json"))
            let again = try roundTrip(payload, Array(example))
            let original = try JSONSerialization.jsonObject(with: example) as! NSDictionary
            let roundTripped = try JSONSerialization.jsonObject(with: Data(again)) as! NSDictionary
            XCTAssertEqual(original, roundTripped, "\(type) loses or changes fields through its Swift type")
            XCTAssertEqual(original["type"] as? String, type.cloudEventType)
        }
    }

    func testEveryExampleFileBelongsToACatalogedType() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.contracts.appendingPathComponent("Examples").path)
        for file in files where file.hasSuffix(".json") {
            let key = String(file.dropLast(5))
            XCTAssertNotNil(MessageType(routingKey: key).flatMap { ContractCatalog.payloadTypes[$0] }, "\(file) has no Swift type")
        }
    }
}

/// The integrator's command examples are complete against the procedure catalog (issue 14): the
/// submission's form has every required field and its components exist, and a supplement names
/// only the procedure's components — an example that copies to a 422 or a supplement request
/// teaches the wrong thing.
final class CommandExampleTests: XCTestCase {
    func envelope<Payload: Codable & Sendable>(_ payload: Payload.Type, _ type: String) throws -> Envelope<Payload> {
        let url = ExampleTests.contracts.appendingPathComponent("Examples/\(type).json")
        return try WireJSON.decode(Envelope<Payload>.self, from: Array(try Data(contentsOf: url)))
    }

    func testTheSubmissionExampleIsCompleteForItsProcedure() throws {
        let submit = try envelope(DossierSubmitV1.self, "dossier.submit.v1")
        let procedure = try XCTUnwrap(try ProcedureCatalog.bundled().procedure(submit.data.procedureCode, at: submit.time))
        let problems = procedure.form.problems(in: submit.data.form, formVersion: submit.data.formVersion, registryFillsEmpty: true)
        XCTAssertEqual(problems.map(\.path), [], "\(problems.map(\.message))")
        let components = Set(procedure.components.map(\.code))
        for attachment in submit.data.attachments {
            XCTAssertTrue(components.contains(attachment.componentCode), "\(attachment.componentCode) is not a component of \(procedure.code)")
        }
    }

    func testTheSupplementExampleNamesComponentsOfTheSubmittedProcedure() throws {
        let submit = try envelope(DossierSubmitV1.self, "dossier.submit.v1")
        let supplement = try envelope(DossierSupplementV1.self, "dossier.supplement.v1")
        let procedure = try XCTUnwrap(try ProcedureCatalog.bundled().procedure(submit.data.procedureCode, at: submit.time))
        let components = Set(procedure.components.map(\.code))
        for attachment in supplement.data.attachments {
            XCTAssertTrue(components.contains(attachment.componentCode), "\(attachment.componentCode) is not a component of \(procedure.code)")
        }
    }
}

/// Intake's OpenAPI document lists exactly the public statuses the status desk answers (it once
/// lacked refused, check-overdue and supplement-received).
final class StatusDeskContractTests: XCTestCase {
    func testTheOpenAPIStatusEnumIsThePublicStatuses() throws {
        var url = ExampleTests.contracts
        for _ in 0..<2 { url.deleteLastPathComponent() }
        let openAPI = try String(contentsOf: url.appendingPathComponent("Services/Intake/HTTP/openapi.yaml"), encoding: .utf8)
        let lines = openAPI.split(separator: "\n").map(String.init)
        let statusLine = try XCTUnwrap(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == "status:" })
        let enumLine = try XCTUnwrap(lines[statusLine...].first { $0.contains("enum: [") })
        let listed = enumLine.split(separator: "[")[1].split(separator: "]")[0]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(listed, PublicDossierStatus.allCases.map(\.rawValue))
    }
}
