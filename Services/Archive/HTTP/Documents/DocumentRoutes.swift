import Contracts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ServiceKit

/// Archive's documents edge (issue 17):
/// - `PUT /v1/documents/{documentId}` with `Authorization: Bearer <upload ticket>` (from intake's
///   `POST /v1/documents/upload-tickets`), `Content-Type` the document's media type, the raw bytes
///   as the body and optionally `Repr-Digest: sha-256=:<base64>:`. Streamed to the store in sealed
///   chunks; cut off with 413 past the catalog's size for the component; 422 when the bytes are not
///   the declared type or not the declared digest. 201 `StoredDocumentV1`; the same ticket again: 200
///   with the same facts.
/// - `GET /v1/documents/{documentId}` for auditors (officer token; audited): the bytes, streamed,
///   with `Content-Length`, `ETag` (the sha256) and single byte ranges.
struct DocumentRoutes: Sendable {
    let store: DocumentStore
    let tickets: UploadTickets
    let officerTokens: OfficerTokens
    /// A virus scanner plugs in here; none is configured by default.
    let inspector: any DocumentInspector

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.put("/v1/documents/:id") { request, context in
            try await upload(request, id: context.parameters.get("id") ?? "", now: resources.clock.now)
        }
        router.get("/v1/documents/:id") { request, context in
            try await download(request, id: context.parameters.get("id") ?? "", resources: resources)
        }
    }

    func upload(_ request: Request, id: String, now: Date) async throws -> Response {
        guard let presented = request.headers[.authorization].flatMap(bearerToken),
              let ticket = try? await tickets.verify(presented), ticket.jti.value == id.lowercased() else {
            return HTTPError.response(.unauthorized, "invalid-upload-ticket",
                                      "Phiếu tải lên không hợp lệ, đã hết hạn hoặc không dành cho tài liệu này.")
        }
        let mediaType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard ticket.mediaTypes.contains(mediaType) else {
            return HTTPError.response(.unsupportedMediaType, "media-type-not-allowed",
                                      "Thành phần \(ticket.component) chỉ nhận \(ticket.mediaTypes.joined(separator: ", ")).")
        }
        let tooLarge = HTTPError.response(.contentTooLarge, "document-too-large",
                                          "Tài liệu vượt quá \(ticket.maxBytes) byte cho phép của thành phần \(ticket.component).")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > ticket.maxBytes { return tooLarge }
        let declaredDigest = request.headers[HTTPField.Name("Repr-Digest")!].flatMap(Self.sha256Hex(fromReprDigest:))
        let key: SymmetricKey
        switch try await store.begin(ticket, mediaType: mediaType, at: now) {
        case .started(let started): key = started
        case .alreadyStored(let facts):
            if let declaredDigest, declaredDigest != facts.sha256 {
                return HTTPError.response(.conflict, "ticket-already-used", "Phiếu tải lên này đã dùng cho một tài liệu khác.")
            }
            return try jsonResponse(.ok, facts.answer)
        case .inProgress:
            return HTTPError.response(.conflict, "upload-in-progress", "Tài liệu này đang được tải lên.")
        }
        do {
            var hasher = SHA256(), pending: [UInt8] = [], size = 0, chunks = 0, head: [UInt8] = []
            pending.reserveCapacity(DocumentStore.chunkBytes)
            for try await buffer in request.body {
                size += buffer.readableBytes
                guard size <= ticket.maxBytes else {
                    await store.abandon(id)
                    return tooLarge
                }
                let bytes = buffer.readableBytesView
                hasher.update(data: Array(bytes))
                if head.count < MediaSniffer.prefixBytes { head += bytes.prefix(MediaSniffer.prefixBytes - head.count) }
                pending += bytes
                while pending.count >= DocumentStore.chunkBytes {
                    try await store.write(chunk: Array(pending.prefix(DocumentStore.chunkBytes)), number: chunks, documentId: ticket.jti.value, key: key)
                    pending.removeFirst(DocumentStore.chunkBytes)
                    chunks += 1
                }
            }
            if !pending.isEmpty || chunks == 0 {
                try await store.write(chunk: pending, number: chunks, documentId: ticket.jti.value, key: key)
                chunks += 1
            }
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            let refusal: Response? = if size == 0 {
                HTTPError.response(.unprocessableContent, "empty-document", "Tài liệu rỗng.")
            } else if MediaSniffer.type(of: head) != mediaType {
                HTTPError.response(.unprocessableContent, "media-type-mismatch", "Nội dung tài liệu không phải \(mediaType).")
            } else if let declaredDigest, declaredDigest != digest {
                HTTPError.response(.unprocessableContent, "digest-mismatch", "Mã băm SHA-256 của tài liệu không khớp Repr-Digest.")
            } else if let verdict = try await inspector.inspect(documentId: ticket.jti.value, sha256: digest, mediaType: mediaType) {
                HTTPError.response(.unprocessableContent, "document-refused", verdict)
            } else {
                nil
            }
            if let refusal {
                await store.abandon(id)
                return refusal
            }
            let facts = try await store.finish(ticket.jti.value, sizeBytes: size, sha256: digest, chunkCount: chunks, at: now)
            return try jsonResponse(.created, facts.answer)
        } catch {
            // Cut off halfway (the client went away, the database failed): nothing is kept.
            await store.abandon(id)
            throw error
        }
    }

    func download(_ request: Request, id: String, resources: ServiceResources) async throws -> Response {
        guard let officer = await officerTokens.officer(of: request) else { return OfficerTokens.unauthenticated }
        let facts = try await store.facts(id.lowercased())
        let allowed = officer.role == "auditor" && facts != nil
        try await resources.transaction { context in
            try AuditLog.record(officer, action: "read-document", dossierCode: nil, allowed: allowed, detail: id, at: context.now, db: context.db)
        }
        guard let facts else { return HTTPError.response(.notFound, "document-not-found", "Không tìm thấy tài liệu \(WireText.quote(id)).") }
        guard allowed else { return HTTPError.response(.forbidden, "forbidden", "Không có quyền đọc tài liệu này.") }
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
            try await store.read(facts, range: served) { try await writer.write(ByteBuffer(bytes: $0)) }
            try await writer.finish(nil)
        })
    }

    /// One range of `bytes=a-b`, `bytes=a-` or `bytes=-n`; nil when it cannot be served.
    static func byteRange(_ header: String, size: Int) -> ClosedRange<Int>? {
        guard header.hasPrefix("bytes="), !header.contains(","), size > 0 else { return nil }
        let parts = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        switch (Int(parts[0]), Int(parts[1])) {
        case let (start?, end?) where start <= end && start < size: return start...min(end, size - 1)
        case let (start?, nil) where parts[1].isEmpty && start < size: return start...(size - 1)
        case let (nil, suffix?) where parts[0].isEmpty && suffix > 0: return max(0, size - suffix)...(size - 1)
        default: return nil
        }
    }

    /// `sha-256=:<base64>:` (RFC 9530) as lowercase hex.
    static func sha256Hex(fromReprDigest header: String) -> String? {
        for member in header.split(separator: ",") {
            let parts = member.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sha-256" else { continue }
            let value = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: ":"))
            guard let bytes = Data(base64Encoded: value), bytes.count == 32 else { return nil }
            return bytes.map { String(format: "%02x", $0) }.joined()
        }
        return nil
    }
}

/// A check of a stored document's content before it is accepted (e.g. a virus scanner reading it
/// from the store): nil accepts, a message in Vietnamese refuses.
protocol DocumentInspector: Sendable {
    func inspect(documentId: String, sha256: String, mediaType: String) async throws -> String?
}

/// No scanner configured: every document that passed the size, type and digest checks is accepted.
struct NoDocumentInspector: DocumentInspector {
    func inspect(documentId: String, sha256: String, mediaType: String) async throws -> String? { nil }
}
