import Contracts
import Foundation
import XCTest

/// An event's details pass through the status desk unchanged: booleans stay booleans, whole
/// numbers stay integers, nesting is kept.
final class JSONValueTests: XCTestCase {
    func testValuesRoundTripWithTheirKinds() throws {
        let text = #"{"a":true,"b":0,"c":1,"d":2.5,"e":"x","f":null,"g":[{"code":"registry-mismatch"}],"h":false}"#
        let value = try WireJSON.decode(JSONValue.self, from: Array(text.utf8))
        guard case .object(let object) = value else { return XCTFail("an object") }
        XCTAssertEqual(object["a"], .bool(true))
        XCTAssertEqual(object["h"], .bool(false))
        XCTAssertEqual(object["b"], .number(0))
        XCTAssertEqual(object["c"], .number(1))
        XCTAssertEqual(object["f"], .null)
        let again = try JSONSerialization.jsonObject(with: Data(WireJSON.encode(value))) as! [String: Any]
        XCTAssertEqual(again["c"] as? Int, 1)
        XCTAssertEqual(again["d"] as? Double, 2.5)
        XCTAssertEqual((again["g"] as? [[String: Any]])?.first?["code"] as? String, "registry-mismatch")
    }
}
