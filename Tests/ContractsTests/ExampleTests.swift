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
