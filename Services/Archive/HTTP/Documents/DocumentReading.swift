import Contracts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Reading a dossier's documents (issue 17): the officers of every organisation that takes part in
/// the dossier's route (the receiving organisation and each step's, `DocumentReaders`) and auditors;
/// anyone else gets 403 whether or not the document exists. Every read, allowed or not, is audited
/// in the same transaction as the decision.
/// - `GET /v1/dossiers/{code}/documents`: the documents the dossier references, with their links.
/// - `GET /v1/documents/{documentId}`: the bytes, streamed, with `Content-Length`, `ETag` (the
///   sha256) and single byte ranges.
extension DocumentRoutes {
    func list(_ request: Request, dossier: String, resources: ServiceResources) async throws -> Response {
        guard let officer = await officerTokens.officer(of: request) else { return OfficerTokens.unauthenticated }
        let code = String(dossier.prefix(64))
        let found = try await resources.transaction { context in
            let allowed = try officer.role == "auditor"
                || officer.role == "officer" && DocumentReaders.takesPart(officer.org, in: code, db: context.db)
            context.audit(.officer(officer, action: "list-documents", dossierCode: code, allowed: allowed, at: context.now))
            return allowed ? (try DocumentReaders.documents(of: code, db: context.db), try DocumentReaders.results(of: code, db: context.db)) : nil
        }
        guard let (listed, results) = found else { return HTTPError.response(.forbidden, "forbidden", "Không có quyền đọc tài liệu của hồ sơ này.") }
        var documents: [DossierDocumentV1] = []
        for entry in listed {
            guard let facts = try await store.facts(entry.documentId) else { continue }
            documents.append(DossierDocumentV1(componentCode: entry.componentCode, fileName: entry.fileName, document: facts.answer,
                                               url: "/v1/documents/\(entry.documentId)"))
        }
        return try jsonResponse(.ok, DossierDocumentsV1(dossierCode: code, documents: documents, results: results.map {
            DossierResultV1(componentCode: $0.componentCode, resultCode: $0.resultCode, documentTypeCode: $0.documentTypeCode,
                            status: $0.revoked ? "revoked" : "valid", verificationURL: resultLinks($0.token))
        }))
    }

    func download(_ request: Request, id: String, resources: ServiceResources) async throws -> Response {
        guard let officer = await officerTokens.officer(of: request) else { return OfficerTokens.unauthenticated }
        // The right first: whether a document exists is not told to whoever may not read it.
        let documentId = id.lowercased()
        let (allowed, dossier) = try await resources.transaction { context -> (Bool, String?) in
            let dossier = officer.role == "officer"
                ? try DocumentReaders.dossier(readableBy: officer.org, document: documentId, db: context.db) : nil
            let allowed = officer.role == "auditor" || dossier != nil
            context.audit(.officer(officer, action: "read-document", dossierCode: dossier, allowed: allowed,
                                   detail: String(id.prefix(64)), at: context.now))
            return (allowed, dossier)
        }
        guard allowed else { return HTTPError.response(.forbidden, "forbidden", "Không có quyền đọc tài liệu này.") }
        let facts = try await store.facts(documentId)
        guard let facts else { return HTTPError.response(.notFound, "document-not-found", "Không tìm thấy tài liệu \(WireText.quote(String(id.prefix(64)))).") }
        let key: SymmetricKey
        do {
            key = try store.key(of: facts)
        } catch {
            resources.logger.error("document key unavailable", metadata: ["document": .string(facts.documentId), "error": .string("\(error)")])
            return HTTPError.response(.serviceUnavailable, "document-key-unavailable", "Tạm thời chưa đọc được tài liệu; xin thử lại sau.")
        }
        let etag = "\"\(facts.sha256)\""
        if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: [.eTag: etag]) }
        var range = 0...(facts.sizeBytes - 1)
        var headers: HTTPFields = [.contentType: facts.mediaType, .eTag: etag, .acceptRanges: "bytes"]
        var status = HTTPResponse.Status.ok
        if let asked = request.headers[.range] {
            guard let parsed = Self.byteRange(asked, size: facts.sizeBytes) else {
                return Response(status: .rangeNotSatisfiable, headers: [.contentRange: "bytes */\(facts.sizeBytes)"])
            }
            range = parsed
            status = .partialContent
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(facts.sizeBytes)"
        }
        headers[.contentLength] = String(range.count)
        let (store, served) = (self.store, range)
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: served.count) { writer in
            try await store.read(facts, key: key, range: served) { try await writer.write(ByteBuffer(bytes: $0)) }
            try await writer.finish(nil)
        })
    }

}
