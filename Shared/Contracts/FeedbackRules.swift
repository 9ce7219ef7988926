import Foundation

/// The rules of PAKN handling as data (`FeedbackRules/feedback-rules.json`, replaced whole by the
/// file `TTHC_FEEDBACK_RULES` names): the fields (lĩnh vực) and which level handles each, the time
/// limits, and the duplicate rule. Intake checks submissions against the fields and finds
/// duplicates; routing classifies and keeps the deadlines.
public struct FeedbackRules: Codable, Sendable {
    public struct Topic: Codable, Sendable {
        public var code: String
        public var name: String
        /// The systems whose items may be of this field.
        public var systems: [FeedbackSystem]
        /// The level that handles it: the first organisation of this level or above on the way up
        /// from the sender's organisation (OrganisationRecord.Kind raw value).
        public var handledBy: OrganisationRecord.Kind
    }

    public struct Limits: Codable, Sendable {
        /// Answer within (Đ.38.3: 30; Quy chế 03 Đ.13.1: 15), from receipt or the clarification.
        public var answerWorkingDays: [String: Int]
        /// Accept, refuse or ask for clarification within (Đ.11.2); accepted when nobody did.
        public var acceptanceWorkingDays: Int
        /// The sender answers a request for clarification within, else the item is paused.
        public var clarificationReplyWorkingDays: Int
        /// One extension of at most this many days, with a reason (Đ.38.3).
        public var extensionMaxDays: Int
        /// When late: the sender is told where the item stands this often, at most `lateUpdatesMax` times (Đ.13.2).
        public var lateUpdateEveryWorkingDays: Int
        public var lateUpdatesMax: Int
        /// The status is kept current at least this often (Đ.38.4): the organisation is reminded.
        public var progressEveryDays: Int
        /// An answer may be appealed once within (Đ.14.1).
        public var appealWorkingDays: Int

        public func answerWorkingDays(for system: FeedbackSystem) -> Int { answerWorkingDays[system.rawValue] ?? 30 }
    }

    /// Same sender, substantially the same text (`FeedbackSimilarity`), within the window.
    public struct Duplicates: Codable, Sendable {
        public var windowDays: Int
        public var minimumSimilarity: Double
        public var shingleWords: Int
    }

    /// Attached documents (tài liệu kèm theo): uploaded to archive with an upload ticket for
    /// procedure `PAKN`, component `TL`, then referenced by id.
    public struct Attachments: Codable, Sendable {
        public var maxBytes: Int
        public var mediaTypes: [String]
        public var maxCount: Int
    }

    public var version: Int
    public var topics: [Topic]
    public var attachments: Attachments
    public var limits: Limits
    public var duplicates: Duplicates
    public var titleMaxLength: Int
    public var textMaxLength: Int

    public func topic(_ code: String) -> Topic? { topics.first { $0.code == code } }

    public static func bundled() throws -> FeedbackRules {
        guard let url = Bundle.module.url(forResource: "feedback-rules", withExtension: "json", subdirectory: "FeedbackRules") else {
            throw CatalogError(file: "FeedbackRules/feedback-rules.json", problem: "missing from the bundle")
        }
        return try load(url)
    }

    public static func configured(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FeedbackRules {
        guard let path = environment["TTHC_FEEDBACK_RULES"], !path.isEmpty else { return try bundled() }
        return try load(URL(fileURLWithPath: path))
    }

    static func load(_ url: URL) throws -> FeedbackRules {
        let rules: FeedbackRules
        do {
            rules = try JSONDecoder().decode(FeedbackRules.self, from: Data(contentsOf: url))
        } catch {
            throw CatalogError(file: url.path, problem: "\(error)")
        }
        if let problem = rules.problem { throw CatalogError(file: url.path, problem: problem) }
        return rules
    }

    /// What makes the rules unusable (a service refuses to start with them), or nil.
    var problem: String? {
        let counts = [limits.acceptanceWorkingDays, limits.clarificationReplyWorkingDays, limits.extensionMaxDays,
                      limits.lateUpdateEveryWorkingDays, limits.lateUpdatesMax, limits.progressEveryDays, limits.appealWorkingDays,
                      titleMaxLength, textMaxLength, attachments.maxBytes, attachments.maxCount, duplicates.shingleWords]
        if counts.contains(where: { $0 < 1 }) { return "every limit, count and size must be at least 1" }
        if FeedbackSystem.allCases.contains(where: { (limits.answerWorkingDays[$0.rawValue] ?? 0) < 1 }) {
            return "answerWorkingDays needs a positive number for each system"
        }
        if !(duplicates.minimumSimilarity > 0 && duplicates.minimumSimilarity <= 1) || duplicates.windowDays < 0 {
            return "duplicates: minimumSimilarity in (0, 1], windowDays not negative"
        }
        if topics.isEmpty || Set(topics.map(\.code)).count != topics.count { return "topics must be given, each code once" }
        return nil
    }

    /// Every problem of a submission beyond the wire limits: empty or oversized text, an unknown
    /// field or one of another system, a sender without identity. (An unknown organisation is
    /// intake's to check against its registry replica.)
    public func problems(in submit: FeedbackSubmitV1) -> [Problem] {
        var problems: [Problem] = []
        let title = submit.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = submit.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if title.isEmpty {
            problems.append(Problem(code: "feedback-title-required", path: "$.data.title", message: "Phản ánh, kiến nghị phải có tiêu đề."))
        } else if title.count > titleMaxLength {
            problems.append(Problem(code: "feedback-title-too-long", path: "$.data.title",
                                    message: "Tiêu đề dài quá \(titleMaxLength) ký tự."))
        }
        if text.isEmpty {
            problems.append(Problem(code: "feedback-text-required", path: "$.data.text", message: "Nội dung phản ánh, kiến nghị không được để trống."))
        } else if submit.text.count > textMaxLength {
            problems.append(Problem(code: "feedback-text-too-long", path: "$.data.text",
                                    message: "Nội dung dài quá \(textMaxLength) ký tự; hãy tóm tắt và gửi kèm tài liệu."))
        }
        if let topic = topic(submit.topic) {
            if !topic.systems.contains(submit.system) {
                problems.append(Problem(code: "feedback-topic-not-in-system", path: "$.data.topic",
                                        message: "Lĩnh vực \(topic.name) không thuộc hệ thống đã chọn."))
            }
        } else {
            problems.append(Problem(code: "unknown-feedback-topic", path: "$.data.topic",
                                    message: "Không có lĩnh vực \(WireText.quote(submit.topic)); các lĩnh vực: \(topics.map(\.code).joined(separator: ", "))."))
        }
        if submit.sender.kind == .member, (submit.sender.memberId ?? "").isEmpty {
            problems.append(Problem(code: "feedback-member-required", path: "$.data.sender.memberId",
                                    message: "Đảng viên gửi phản ánh, kiến nghị phải có mã đảng viên."))
        }
        if submit.sender.fullName.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Problem(code: "feedback-sender-name-required", path: "$.data.sender.fullName",
                                    message: "Phải ghi họ tên người gửi hoặc tên tổ chức gửi."))
        }
        let attached = submit.attachments ?? []
        if attached.count > attachments.maxCount {
            problems.append(Problem(code: "too-many-attachments", path: "$.data.attachments",
                                    message: "Gửi kèm tối đa \(attachments.maxCount) tài liệu."))
        }
        for (index, attachment) in attached.enumerated() {
            if attachment.componentCode != FeedbackRules.attachmentComponent {
                problems.append(Problem(code: "unknown-component", path: "$.data.attachments[\(index)].componentCode",
                                        message: "Tài liệu kèm theo phản ánh, kiến nghị có mã thành phần \(FeedbackRules.attachmentComponent)."))
            }
            if UUID(uuidString: attachment.documentId) == nil {
                problems.append(Problem(code: "invalid-document-id", path: "$.data.attachments[\(index)].documentId",
                                        message: "documentId phải là mã tài liệu của phiếu tải lên (UUID)."))
            }
            if !attachments.mediaTypes.contains(attachment.mediaType) {
                problems.append(Problem(code: "media-type-not-allowed", path: "$.data.attachments[\(index)].mediaType",
                                        message: "Chỉ nhận tài liệu \(attachments.mediaTypes.joined(separator: ", "))."))
            }
            if attachment.sizeBytes <= 0 || attachment.sizeBytes > attachments.maxBytes {
                problems.append(Problem(code: "too-large", path: "$.data.attachments[\(index)].sizeBytes",
                                        message: "Mỗi tài liệu tối đa \(attachments.maxBytes / 1_048_576) MB."))
            }
        }
        return problems
    }

    /// The upload tickets' procedure and component of a PAKN item's attached documents.
    public static let attachmentProcedure = "PAKN"
    public static let attachmentComponent = "TL"
}

/// The duplicate rule (Quy chế 03 Đ.5.7, 8.4): two texts are substantially the same when the
/// Jaccard similarity of their sets of word n-grams (`shingleWords`, 3 by default) reaches
/// `minimumSimilarity` (0.8). Texts are compared after folding case and Vietnamese diacritics
/// (đ → d) and keeping letters and digits only, so spacing, punctuation and typing without
/// accents do not make a text new; a text shorter than n words is one shingle. The n-grams are
/// kept as 64-bit FNV-1a hashes, never the words.
public enum FeedbackSimilarity {
    public static func words(_ text: String) -> [String] {
        let folded = text.lowercased().replacingOccurrences(of: "đ", with: "d")
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "vi_VN"))
        return folded.split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    public static func shingles(_ text: String, words n: Int = 3) -> Set<Int64> {
        let words = words(text)
        guard !words.isEmpty else { return [] }
        guard words.count > n else { return [hash(words.joined(separator: " "))] }
        return Set((0...(words.count - n)).map { hash(words[$0..<($0 + n)].joined(separator: " ")) })
    }

    public static func similarity(_ a: Set<Int64>, _ b: Set<Int64>) -> Double {
        guard !a.isEmpty || !b.isEmpty else { return 1 }
        return Double(a.intersection(b).count) / Double(a.union(b).count)
    }

    static func hash(_ text: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
