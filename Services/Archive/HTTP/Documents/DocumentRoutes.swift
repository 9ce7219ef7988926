import Contracts
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Persistence
import ServiceKit
import Signatures

/// Archive's documents edge (issue 17):
/// - `PUT /v1/documents/{documentId}` with `Authorization: Bearer <upload ticket>` (from intake's
///   `POST /v1/documents/upload-tickets`), `Content-Type` the document's media type, the raw bytes
///   as the body and optionally `Repr-Digest: sha-256=:<base64>:`. Streamed to the store in sealed
///   chunks; cut off with 413 past the catalog's size for the component; 422 when the bytes are not
///   the declared type or not the declared digest. 201 `StoredDocumentV1`; the same ticket again: 200
///   with the same facts.
/// - `PUT /v1/documents/{documentId}/signature` with the same ticket, `Content-Type:
///   application/pkcs7-signature` and the detached CMS signature (DER or PEM) over the stored bytes:
///   verified here (422 with the signature problem's code when it does not hold), kept sealed, and
///   the document's facts announced again with the signer. 201 `StoredDocumentV1` with `signature`.
/// - `GET /v1/documents/{documentId}` and `GET /v1/dossiers/{code}/documents` for the officers of
///   the organisations on the dossier's route and auditors (`DocumentReading.swift`).
struct DocumentRoutes: Sendable {
    let store: DocumentStore
    let tickets: UploadTickets
    let officerTokens: OfficerTokens
    /// A virus scanner plugs in here; none is configured by default.
    let inspector: any DocumentInspector
    /// Trusted certification authorities for signatures (`TTHC_SIGNATURE_TRUST_ANCHORS`); nil: none trusted.
    let verifier: DetachedSignatureVerifier?
    /// A result's verification page from its token (the QR code's link), for results given as components.
    let resultLinks: @Sendable (String) -> String

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        router.put("/v1/documents/:id") { request, context in
            try await upload(request, id: context.parameters.get("id") ?? "", clock: resources.clock)
        }
        router.put("/v1/documents/:id/signature") { request, context in
            try await uploadSignature(request, id: context.parameters.get("id") ?? "", clock: resources.clock)
        }
        router.get("/v1/documents/:id") { request, context in
            try await download(request, id: context.parameters.get("id") ?? "", resources: resources)
        }
        router.get("/v1/dossiers/:code/documents") { request, context in
            try await list(request, dossier: context.parameters.get("code") ?? "", resources: resources)
        }
    }

    /// The upload ticket presented for document `id`, verified.
    func ticket(of request: Request, for id: String) async -> UploadTicketClaims? {
        guard let presented = request.headers[.authorization].flatMap(bearerToken),
              let ticket = try? await tickets.verify(presented), ticket.jti.value == id.lowercased() else { return nil }
        return ticket
    }

    static let invalidTicket = HTTPError.response(.unauthorized, "invalid-upload-ticket",
                                                  "Phiếu tải lên không hợp lệ, đã hết hạn hoặc không dành cho tài liệu này.")

    func upload(_ request: Request, id: String, clock: ServiceClock) async throws -> Response {
        guard let ticket = await ticket(of: request, for: id) else { return Self.invalidTicket }
        let documentId = ticket.jti.value
        let mediaType = request.headers[.contentType]?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard ticket.mediaTypes.contains(mediaType) else {
            return HTTPError.response(.unsupportedMediaType, "media-type-not-allowed",
                                      "Thành phần \(ticket.component) chỉ nhận \(ticket.mediaTypes.joined(separator: ", ")).")
        }
        let tooLarge = HTTPError.response(.contentTooLarge, "document-too-large",
                                          "Tài liệu vượt quá \(ticket.maxBytes) byte cho phép của thành phần \(ticket.component).")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > ticket.maxBytes { return tooLarge }
        var declaredDigest: String?
        if let header = request.headers[HTTPField.Name("Repr-Digest")!] {
            guard let digest = Self.sha256Hex(fromReprDigest: header) else {
                return HTTPError.response(.badRequest, "invalid-repr-digest", "Repr-Digest phải có dạng sha-256=:<base64 của 32 byte>:.")
            }
            declaredDigest = digest
        }
        let key: SymmetricKey
        switch try await store.begin(ticket, mediaType: mediaType, at: clock.now) {
        case .started(let started): key = started
        case .alreadyStored(let facts):
            if let declaredDigest, declaredDigest != facts.sha256 {
                return HTTPError.response(.conflict, "ticket-already-used", "Phiếu tải lên này đã dùng cho một tài liệu khác.")
            }
            return try jsonResponse(.ok, facts.answer)
        case .inProgress:
            return HTTPError.response(.conflict, "upload-in-progress", "Tài liệu này đang được tải lên.")
        }
        let received: Received
        do {
            received = try await receive(request.body, into: documentId, key: key, ticket: ticket, mediaType: mediaType,
                                         declaredDigest: declaredDigest, tooLarge: tooLarge)
        } catch {
            // Cut off halfway (the sender went away, the database failed): nothing is kept.
            await store.abandon(documentId)
            if error is DocumentVanished || (error as? PostgresError)?.sqlState == "23503" {
                return Self.expired  // swept meanwhile: the upload outlived its ticket
            }
            throw error
        }
        switch received {
        case .refused(let refusal):
            await store.abandon(documentId)
            return refusal
        case .complete(let size, let digest, let chunks):
            do {
                return try jsonResponse(.created, try await store.finish(documentId, sizeBytes: size, sha256: digest, chunkCount: chunks,
                                                                        at: clock.now, uploadedBy: ticket).answer)
            } catch is DocumentVanished {
                return Self.expired
            }
        }
    }

    static let expired = HTTPError.response(.gone, "upload-expired", "Tải lên quá lâu, phiếu đã hết hiệu lực: xin phiếu mới và tải lại.")

    enum Received {
        case complete(size: Int, sha256: String, chunks: Int)
        case refused(Response)
    }

    /// Reads the body into sealed chunks; refuses as soon as it is too large or not the declared type.
    func receive(_ body: RequestBody, into documentId: String, key: SymmetricKey, ticket: UploadTicketClaims, mediaType: String,
                 declaredDigest: String?, tooLarge: Response) async throws -> Received {
        var hasher = SHA256(), pending: [UInt8] = [], size = 0, chunks = 0, head: [UInt8] = [], typeChecked = false
        pending.reserveCapacity(DocumentStore.chunkBytes)
        let mismatch = HTTPError.response(.unprocessableContent, "media-type-mismatch", "Nội dung tài liệu không phải \(mediaType).")
        for try await buffer in body {
            size += buffer.readableBytes
            guard size <= ticket.maxBytes else { return .refused(tooLarge) }
            let bytes = buffer.readableBytesView
            hasher.update(data: Array(bytes))
            if !typeChecked {
                head += bytes.prefix(MediaSniffer.prefixBytes - head.count)
                if head.count == MediaSniffer.prefixBytes {
                    guard MediaSniffer.type(of: head) == mediaType else { return .refused(mismatch) }
                    typeChecked = true
                }
            }
            pending += bytes
            while pending.count >= DocumentStore.chunkBytes {
                try await store.write(chunk: Array(pending.prefix(DocumentStore.chunkBytes)), number: chunks, documentId: documentId, key: key)
                pending.removeFirst(DocumentStore.chunkBytes)
                chunks += 1
            }
        }
        guard size > 0 else { return .refused(HTTPError.response(.unprocessableContent, "empty-document", "Tài liệu rỗng.")) }
        if !typeChecked, MediaSniffer.type(of: head) != mediaType { return .refused(mismatch) }
        if !pending.isEmpty {
            try await store.write(chunk: pending, number: chunks, documentId: documentId, key: key)
            chunks += 1
        }
        let digest = Array(hasher.finalize()).hexString
        if let declaredDigest, declaredDigest != digest {
            return .refused(HTTPError.response(.unprocessableContent, "digest-mismatch", "Mã băm SHA-256 của tài liệu không khớp Repr-Digest."))
        }
        if let verdict = try await inspector.inspect(documentId: documentId, sha256: digest, mediaType: mediaType) {
            return .refused(HTTPError.response(.unprocessableContent, "document-refused", verdict))
        }
        return .complete(size: size, sha256: digest, chunks: chunks)
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
            return Array(bytes).hexString
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
