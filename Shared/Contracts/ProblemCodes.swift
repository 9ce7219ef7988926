/// Every code TTHC answers an integrator with, in one place: the problems of a dossier
/// (`problems[]` of `dossier.rejected.v1`, `dossier.supplement-requested.v1` and HTTP 422), the
/// reasons of a refusal (`dossier.refused.v1`), the dead-letter codes (`message.dead-lettered.v1`,
/// header `x-tthc-error-code`) and intake's HTTP error codes. Rendered into `docs/integrators.md`
/// and the schemas' descriptions; `ProblemCodeTests` checks both against this list and this list
/// against the code that produces them.
public enum ProblemCodes {
    public enum Family: String, CaseIterable, Sendable {
        /// Intake's technical check (Đ.14.1): the submission is rejected, no dossier exists.
        case technicalCheck = "technical check (intake: dossier.rejected.v1, HTTP 422)"
        /// Validation's content check (Đ.14.2–14.3) or an organisation's return: a supplement is requested.
        case contentCheck = "content check (validation: dossier.supplement-requested.v1)"
        /// Not eligible at all: the dossier is refused with the reason.
        case refusal = "refusal (dossier.refused.v1 reasonCode)"
        /// The message itself could not be processed: kept in the dead-letter queue, answered on reply_to.
        case deadLetter = "dead letter (message.dead-lettered.v1 errorCode, header x-tthc-error-code)"
        /// A temporary transfer's extension request refused, at once or by the temporary committee.
        case extensionRefusal = "extension refusal (temporary-transfer.extension-refused.v1 refusalCode)"
        /// A PAKN item's follow-up (withdraw, clarify, rate, appeal) its state does not allow; the
        /// same codes answer officers' acts that the state does not allow (HTTP 409).
        case feedbackRefusal = "PAKN follow-up refusal (feedback.updated.v1 refusalCode)"
        /// Intake's HTTP edge and archive's documents (`{"code", "message"}` bodies).
        case http = "HTTP error (intake; archive's documents)"
    }

    public struct Entry: Sendable, Equatable {
        public let code: String
        public let family: Family
        /// What it means and what to do, for an integrator.
        public let meaning: String
    }

    public static let all: [Entry] = technical + feedback + content + refusals + extensionRefusals + feedbackRefusals + deadLetters + http

    /// Feedback and petitions (PAKN): intake's checks of `feedback.submit.v1` and `feedback.follow-up.v1`.
    static let feedback: [Entry] = [
        .init(code: "feedback-title-required", family: .technicalCheck, meaning: "A PAKN item without a title."),
        .init(code: "feedback-title-too-long", family: .technicalCheck, meaning: "A PAKN title longer than the rules allow (200 characters)."),
        .init(code: "feedback-text-required", family: .technicalCheck, meaning: "A PAKN item, or a follow-up that needs words (clarify, appeal, withdraw), without text."),
        .init(code: "feedback-text-too-long", family: .technicalCheck, meaning: "A PAKN text longer than the rules allow (4,000 characters): summarise and attach documents."),
        .init(code: "unknown-feedback-topic", family: .technicalCheck, meaning: "A field (topic) the PAKN rules do not have; the message lists them."),
        .init(code: "feedback-topic-not-in-system", family: .technicalCheck, meaning: "The field does not belong to the chosen system (party-procedures or science-technology)."),
        .init(code: "feedback-member-required", family: .technicalCheck, meaning: "A member's PAKN item without the member id."),
        .init(code: "feedback-sender-name-required", family: .technicalCheck, meaning: "The sender's name (or the organisation's) is missing."),
        .init(code: "unknown-organisation", family: .technicalCheck, meaning: "The sender's organisation is not in the organisation registry."),
        .init(code: "feedback-not-taken", family: .technicalCheck, meaning: "A repeat of a PAKN message that was rejected then and would pass now: send it again with a new id."),
        .init(code: "unknown-feedback", family: .technicalCheck, meaning: "A follow-up on a PAKN item this integrator did not submit."),
        .init(code: "feedback-rating-out-of-range", family: .technicalCheck, meaning: "A rating that is not 1 to 5."),
        .init(code: "feedback-linked", family: .technicalCheck, meaning: "A follow-up on a duplicate: it is handled with the first item, which the message names; follow up on that one."),
        .init(code: "too-many-attachments", family: .technicalCheck, meaning: "More documents attached to a PAKN item than the rules allow (10)."),
    ]

    static let technical: [Entry] = [
        .init(code: "required", family: .technicalCheck, meaning: "A required field or form field is missing."),
        .init(code: "invalid-value", family: .technicalCheck, meaning: "A value breaks the form's pattern, length or allowed values, or is unreadable."),
        .init(code: "out-of-range", family: .technicalCheck, meaning: "A number or a time beyond the limits the schemas state."),
        .init(code: "too-large", family: .technicalCheck, meaning: "A component over the catalog's maximum size."),
        .init(code: "unknown-procedure", family: .technicalCheck, meaning: "No procedure of that code is in force at the receipt time."),
        .init(code: "invalid-organisation", family: .technicalCheck, meaning: "The receiving organisation code is not A-Z, 0-9 and dots."),
        .init(code: "invalid-citizen-id", family: .technicalCheck, meaning: "A citizen id is not 12 digits."),
        .init(code: "form-version-outdated", family: .technicalCheck, meaning: "formVersion is not the procedure's current form: fill the current one."),
        .init(code: "missing-component", family: .technicalCheck, meaning: "A required component (componentCode) is not attached."),
        .init(code: "unknown-component", family: .technicalCheck, meaning: "A component the procedure does not have."),
        .init(code: "media-type-not-allowed", family: .technicalCheck, meaning: "A component's media type is not among the catalog's allowed types."),
        .init(code: "invalid-digest", family: .technicalCheck, meaning: "sha256 is not 64 lowercase hex digits."),
        .init(code: "invalid-size", family: .technicalCheck, meaning: "sizeBytes is not positive."),
        .init(code: "signature-missing", family: .technicalCheck, meaning: "A component that must be signed has no signature file."),
        .init(code: "invalid-signature-reference", family: .technicalCheck, meaning: "The signature file is not application/pkcs7-signature with a size and a SHA-256."),
        .init(code: "invalid-document-id", family: .technicalCheck, meaning: "documentId is not the UUID of an upload ticket."),
        .init(code: "document-bytes-with-reference", family: .technicalCheck, meaning: "A component referenced by documentId also carries bytes or a signature: uploaded documents travel by reference only."),
        .init(code: "invalid-result-code", family: .technicalCheck, meaning: "resultCode is not a result code (KQ.<holder>.<type>.<number>) of the member's data store."),
        .init(code: "duplicate-component", family: .technicalCheck, meaning: "A component given by a result reference is also attached, or referenced twice."),
        .init(code: "result-not-accepted", family: .technicalCheck, meaning: "The component does not accept an earlier result in its place (the catalog's acceptsResultTypes is empty): it must be uploaded."),
        .init(code: "self-delegation", family: .technicalCheck, meaning: "The delegate is the submitter."),
        .init(code: "delegation-letter-component", family: .technicalCheck, meaning: "A delegation letter referenced by documentId must be one uploaded as component GUQ (intake checks the declared component, validation the uploaded one)."),
        .init(code: "delegation-document-missing", family: .technicalCheck, meaning: "A written delegation without the signed letter."),
        .init(code: "idempotency-key-reused", family: .technicalCheck, meaning: "The clientSubmissionId (Idempotency-Key) was used for other content: use a new one."),
        .init(code: "unknown-dossier", family: .technicalCheck, meaning: "An amendment, a withdrawal or an extension request for a dossier this integrator did not submit."),
        .init(code: "not-awaiting-supplement", family: .technicalCheck, meaning: "An amendment for a dossier that awaits none."),
        .init(code: "empty-supplement", family: .technicalCheck, meaning: "An amendment with nothing in it."),
        .init(code: "not-withdrawable", family: .technicalCheck, meaning: "A withdrawal of a dossier already decided, refused or withdrawn."),
        .init(code: "rating-out-of-range", family: .technicalCheck, meaning: "A dossier's rating (dossier.rate.v1) outside 1 to 5."),
        .init(code: "not-finished-yet", family: .technicalCheck, meaning: "A rating of a dossier that is not decided, refused or with its result issued yet."),
        .init(code: "withdrawal-reason-required", family: .technicalCheck, meaning: "A withdrawal without a reason (only spaces)."),
        .init(code: "not-a-temporary-transfer-in-force", family: .technicalCheck, meaning: "An extension request for a dossier that is not an approved temporary transfer."),
        .init(code: "extension-months-out-of-range", family: .technicalCheck, meaning: "An extension of fewer than 1 or more than 24 months."),
        .init(code: "extension-reason-required", family: .technicalCheck, meaning: "An extension request without a reason (only spaces)."),
    ]

    static let content: [Entry] = [
        .init(code: "registry-mismatch", family: .contentCheck, meaning: "A value differs from the party member registry: correct it or send it empty (the registry fills it)."),
        .init(code: "content-digest-mismatch", family: .contentCheck, meaning: "A component's bytes do not match its declared size or SHA-256."),
        .init(code: "signed-content-missing", family: .contentCheck, meaning: "A component that must be signed lacks its bytes or its signature's bytes (contentBase64)."),
        .init(code: "document-reference-invalid", family: .contentCheck, meaning: "No uploaded document matches the reference (same integrator and member, the declared size, type and SHA-256); whose it is, or whether it exists, is not told."),
        .init(code: "result-reference-invalid", family: .contentCheck, meaning: "No result of the submitter's data store stands for the component under this code (the submitter's own, approved, not revoked, of a type the component accepts); whose it is, or whether it exists, is not told."),
        .init(code: "signature-malformed", family: .contentCheck, meaning: "The signature file is not CMS/PKCS#7 (DER)."),
        .init(code: "signature-invalid", family: .contentCheck, meaning: "The signature does not match the bytes (one of them changed after signing)."),
        .init(code: "signature-untrusted", family: .contentCheck, meaning: "The certificate does not chain to a trusted certification authority."),
        .init(code: "signature-certificate-expired", family: .contentCheck, meaning: "The certificate was not valid at the signing time."),
        .init(code: "signature-key-usage", family: .contentCheck, meaning: "The certificate may not sign (keyUsage digitalSignature/nonRepudiation)."),
        .init(code: "signer-not-member", family: .contentCheck, meaning: "Signed by someone else: the certificate's serialNumber must be the member's citizen id (CCCD:<id>)."),
        .init(code: "signer-not-organisation", family: .contentCheck, meaning: "A component the organisation signs, signed by another (serialNumber TCD:<organisation code>)."),
        .init(code: "late-explanation-required", family: .contentCheck, meaning: "Submitted after the allowed working days: give lyDoNopMuon."),
        .init(code: "delegate-not-member", family: .contentCheck, meaning: "The delegate is not an active party member."),
        .init(code: "delegation-expired", family: .contentCheck, meaning: "The delegation ended before the receipt time."),
        .init(code: "returned-by-organisation", family: .contentCheck, meaning: "An organisation on the route returned the dossier for a supplement; the message says why."),
    ]

    static let refusals: [Entry] = [
        .init(code: "member-not-active", family: .refusal, meaning: "The registry says the member no longer belongs to the Party."),
        .init(code: "not-member-organisation", family: .refusal, meaning: "Sent to an organisation that is not the member's cell (e.g. the old cell after a transfer); the reason names the member's current cell."),
        .init(code: "transfer-to-own-cell", family: .refusal, meaning: "A transfer whose destination is the cell the member already belongs to."),
        .init(code: "procedure-not-in-force", family: .refusal, meaning: "No version of the procedure was in force at the receipt time."),
        .init(code: "temporary-period-not-allowed", family: .refusal, meaning: "A temporary transfer outside the allowed months."),
        .init(code: "supplement-not-received", family: .refusal, meaning: "The requested supplement did not come within the procedure's supplementWaitWorkingDays: the dossier is closed."),
    ]

    static let extensionRefusals: [Entry] = [
        .init(code: "not-active", family: .extensionRefusal, meaning: "The temporary transfer has already ended (the member is back with the official organisation)."),
        .init(code: "beyond-allowed-period", family: .extensionRefusal, meaning: "The whole period would exceed the catalog's maximum for the transfer's purpose."),
        .init(code: "extension-already-requested", family: .extensionRefusal, meaning: "Another request of the transfer still waits for the committee's decision."),
        .init(code: "refused-by-committee", family: .extensionRefusal, meaning: "The temporary committee refused; refusal is its reason."),
    ]

    /// Routing's answers to follow-ups (and officers' acts) a PAKN item's state does not allow.
    static let feedbackRefusals: [Entry] = [
        .init(code: "withdrawal-after-acceptance", family: .feedbackRefusal, meaning: "A withdrawal after the item was accepted for handling (Quy chế 03 Đ.11.4)."),
        .init(code: "no-clarification-requested", family: .feedbackRefusal, meaning: "A clarification nobody asked for."),
        .init(code: "not-answered-yet", family: .feedbackRefusal, meaning: "A rating or an appeal before there is an answer."),
        .init(code: "already-rated", family: .feedbackRefusal, meaning: "A second rating of the same PAKN answer, or of the same dossier (dossier.rate.v1)."),
        .init(code: "appeal-already-made", family: .feedbackRefusal, meaning: "A second appeal: an answer may be appealed once (Đ.14.1)."),
        .init(code: "appeal-window-passed", family: .feedbackRefusal, meaning: "An appeal more than 15 working days after the answer."),
        .init(code: "no-level-above", family: .feedbackRefusal, meaning: "An appeal of an answer by an organisation with no level above it."),
        .init(code: "feedback-closed", family: .feedbackRefusal, meaning: "Anything on an item that is refused, withdrawn or closed."),
        .init(code: "refusal-window-passed", family: .feedbackRefusal, meaning: "Officers: a refusal or a request for clarification after acceptance (5 working days)."),
        .init(code: "clarification-already-requested", family: .feedbackRefusal, meaning: "Officers: a second request for clarification while one waits."),
        .init(code: "not-awaiting-acceptance", family: .feedbackRefusal, meaning: "Officers: accepting an item that is not waiting for it."),
        .init(code: "not-in-handling", family: .feedbackRefusal, meaning: "Officers: extending or answering an item not being handled."),
        .init(code: "deadline-passed", family: .feedbackRefusal, meaning: "Officers: an extension asked after the answer deadline passed."),
        .init(code: "already-extended", family: .feedbackRefusal, meaning: "Officers: a second extension (one is allowed, Đ.38.3)."),
        .init(code: "extension-too-long", family: .feedbackRefusal, meaning: "Officers: an extension of more than 30 days."),
        .init(code: "not-reclassifiable", family: .feedbackRefusal, meaning: "Officers: reclassifying an item already answered."),
    ]

    static let deadLetters: [Entry] = [
        .init(code: "malformed-json", family: .deadLetter, meaning: "The body is not JSON (UTF-8)."),
        .init(code: "invalid-envelope", family: .deadLetter, meaning: "Not a CloudEvents 1.0 envelope (specversion, id, source, type)."),
        .init(code: "binary-mode-not-supported", family: .deadLetter, meaning: "CloudEvents binary mode: send structured mode (the whole event as the JSON body)."),
        .init(code: "unsupported-content-type", family: .deadLetter, meaning: "content_type is not application/cloudevents+json (or application/json)."),
        .init(code: "unknown-type", family: .deadLetter, meaning: "The type is not a TTHC message type."),
        .init(code: "unsupported-version", family: .deadLetter, meaning: "A major version TTHC does not (yet or any more) accept."),
        .init(code: "message-too-large", family: .deadLetter, meaning: "Over the 1 MiB limit."),
        .init(code: "schema-violation", family: .deadLetter, meaning: "The data does not have the schema's shape (a field missing or of the wrong type)."),
        .init(code: "invalid-field", family: .deadLetter, meaning: "A registry's or an organisation's message with a text or number beyond the limits."),
        .init(code: "unknown-integrator", family: .deadLetter, meaning: "No user_id, or a user that is not a registered, active integrator."),
        .init(code: "not-authorised", family: .deadLetter, meaning: "The verified publisher may not send this type (or decide this step)."),
        .init(code: "reply-to-not-allowed", family: .deadLetter, meaning: "reply_to is neither direct reply-to nor a queue of the sender's (<user>.…)."),
        .init(code: "conflicting-duplicate", family: .deadLetter, meaning: "A message id already used for other content: a new message needs a new id."),
        .init(code: "calendar-not-covered", family: .deadLetter, meaning: "The working calendar has no data for the receipt time (operators extend it)."),
        .init(code: "database-rejected", family: .deadLetter, meaning: "PostgreSQL refused the data (a value, a constraint, a limit)."),
        .init(code: "unroutable", family: .deadLetter, meaning: "No route between the organisations concerned (the registry lacks one)."),
        .init(code: "empty-route", family: .deadLetter, meaning: "The procedure's route plan has no step for this dossier."),
        .init(code: "invalid-organisation-code", family: .deadLetter, meaning: "An organisation record whose code is not A-Z, 0-9 and dots."),
        .init(code: "invalid-software-user", family: .deadLetter, meaning: "An organisation record whose softwareUser is not a valid broker user name."),
        .init(code: "invalid-amount", family: .deadLetter, meaning: "A payment request with a negative amount."),
        .init(code: "no-dues-declaration", family: .deadLetter, meaning: "A party-dues payment request without the member's declaration or a catalog version with dues rules."),
        .init(code: "dues-not-computable", family: .deadLetter, meaning: "A party-dues declaration the rules cannot price (no rate in force, unknown group or relief)."),
        .init(code: "no-revision", family: .deadLetter, meaning: "An amendment for a dossier whose content validation does not hold."),
        .init(code: "no-temporary-transfer", family: .deadLetter, meaning: "An extension request for a dossier routing opened no temporary transfer for (never for intake's checked requests)."),
        .init(code: "publish-refused", family: .deadLetter, meaning: "The broker refused to publish an outbox message (kept in the service's dead_letters)."),
        .init(code: "template-failed", family: .deadLetter, meaning: "Notification: the event's notice template refers to a field the event lacks, renders nothing, or gives an SMS over one message (operators fix the template, then replay)."),
    ]

    static let http: [Entry] = [
        .init(code: "technical-check-failed", family: .http, meaning: "422: the technical check failed; problems lists every problem."),
        .init(code: "idempotency-key-required", family: .http, meaning: "400: Idempotency-Key missing or over 128 characters."),
        .init(code: "unauthenticated", family: .http, meaning: "401: no or a wrong bearer token."),
        .init(code: "invalid-utf8", family: .http, meaning: "400: the body is not UTF-8."),
        .init(code: "invalid-dossier-code", family: .http, meaning: "400: not a dossier code."),
        .init(code: "dossier-not-found", family: .http, meaning: "404: no dossier of that code."),
        .init(code: "receipt-secret-mismatch", family: .http, meaning: "403: the receipt secret is not the dossier's."),
        .init(code: "not-your-dossier", family: .http, meaning: "403: the dossier was submitted by another integrator."),
        .init(code: "procedure-not-found", family: .http, meaning: "404: no procedure of that code in force at that time."),
        .init(code: "invalid-time", family: .http, meaning: "400: `at` is not an RFC 3339 time."),
        .init(code: "method-not-allowed", family: .http, meaning: "405: the path exists, the method does not (see Allow)."),
        .init(code: "internal-error", family: .http, meaning: "500: ours; the message carries a reference that is in the log."),
        .init(code: "component-not-found", family: .http, meaning: "404 (upload ticket): the procedure has no component of that code."),
        .init(code: "invalid-upload-ticket", family: .http, meaning: "401 (upload): no, a forged or an expired ticket, or one for another document id."),
        .init(code: "document-too-large", family: .http, meaning: "413 (upload): over the catalog's size for the component; cut off, nothing kept."),
        .init(code: "media-type-mismatch", family: .http, meaning: "422 (upload): the bytes are not of the declared Content-Type; nothing kept."),
        .init(code: "digest-mismatch", family: .http, meaning: "422 (upload): the bytes' SHA-256 is not the Repr-Digest sent; nothing kept."),
        .init(code: "empty-document", family: .http, meaning: "422 (upload): no bytes."),
        .init(code: "document-refused", family: .http, meaning: "422 (upload): the content inspection (virus scan) refused it; the message says why."),
        .init(code: "ticket-already-used", family: .http, meaning: "409 (upload): the ticket's document is stored with other bytes: ask for a new ticket."),
        .init(code: "upload-in-progress", family: .http, meaning: "409 (upload): an upload with this ticket is running, or was cut off: ask for a new ticket."),
        .init(code: "invalid-repr-digest", family: .http, meaning: "400 (upload): Repr-Digest is not sha-256=:<base64 of 32 bytes>:."),
        .init(code: "upload-expired", family: .http, meaning: "410 (upload): the upload outlived its ticket and was swept: ask for a new ticket."),
        .init(code: "document-not-stored", family: .http, meaning: "409 (signature upload): the ticket's document is not stored yet: upload it first."),
        .init(code: "signature-too-large", family: .http, meaning: "413 (signature upload): over 64 KiB, not a detached signature."),
        .init(code: "signature-already-stored", family: .http, meaning: "409 (signature upload): the document already has another signature."),
        .init(code: "document-key-unavailable", family: .http, meaning: "503 (download): the document's key cannot be opened now (ours; retry later)."),
        .init(code: "document-not-found", family: .http, meaning: "404 (download): no stored document of that id."),
        .init(code: "forbidden", family: .http, meaning: "403 (download): the caller may not read this document."),
        .init(code: "feedback-rejected", family: .http, meaning: "422 (PAKN): the item was not taken; problems lists every problem."),
        .init(code: "invalid-feedback-code", family: .http, meaning: "400 (PAKN): not a PAKN code (PAKN.<year>.<number>)."),
        .init(code: "feedback-not-found", family: .http, meaning: "404 (PAKN): no item of that code."),
        .init(code: "not-your-feedback", family: .http, meaning: "403 (PAKN): the item was sent by another integrator."),
    ]

    /// The table in `docs/integrators.md`, between its markers.
    public static func markdown() -> String {
        Family.allCases.map { family in
            "**\(family.rawValue)**\n\n| code | meaning |\n| --- | --- |\n"
                + all.filter { $0.family == family }.map { "| `\($0.code)` | \($0.meaning) |" }.joined(separator: "\n")
        }.joined(separator: "\n\n")
    }

    /// The sentence a schema's description gives for a code field of these families.
    public static func schemaDescription(_ families: [Family]) -> String {
        "One of: " + all.filter { families.contains($0.family) }.map(\.code).joined(separator: ", ")
            + " (meanings: docs/problem-codes.md)."
    }
}
