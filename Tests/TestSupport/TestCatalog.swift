import Foundation

/// Catalog versions published through `TTHC_CATALOG_DIRECTORY`, as a province publishes one
/// without a rebuild.
public enum TestCatalog {
    /// A folder holding the bundled version 1 of `procedure` in which `component` accepts earlier
    /// results of `types` in its place (`acceptsResultTypes`, Đ.13.2).
    public static func acceptingResults(_ types: [String], for component: String, of procedure: String) throws -> URL {
        let name = "\(procedure).v1.json"
        let bundled = TestEnvironment.repositoryRoot.appendingPathComponent("Shared/Contracts/Catalog/\(name)")
        guard var version = try JSONSerialization.jsonObject(with: Data(contentsOf: bundled)) as? [String: Any],
              var components = version["components"] as? [[String: Any]],
              let index = components.firstIndex(where: { $0["code"] as? String == component }) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        components[index]["acceptsResultTypes"] = types
        version["components"] = components
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: version, options: [.sortedKeys]).write(to: folder.appendingPathComponent(name))
        return folder
    }
}
