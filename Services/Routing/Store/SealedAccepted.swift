import ServiceKit

/// The accepted dossier each route keeps, sealed at rest (`SealedContent`, issue 17).
extension SealedColumn {
    static let accepted = SealedColumn(table: "routes", sealed: "accepted_sealed", keyId: "accepted_key_id", legacy: "accepted",
                                       contextSQL: "'routing.routes:' || dossier_code")

    static func acceptedContext(_ code: String) -> String { "routing.routes:\(code)" }
}
