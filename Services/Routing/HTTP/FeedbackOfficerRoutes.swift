import Calendar
import Contracts
import Foundation
import Hummingbird
import Persistence
import RoutingRules
import ServiceKit

/// The officers' PAKN edge (phản ánh, kiến nghị), with the same tokens, delegations and audit as
/// dossier steps: an organisation sees and acts on the items in its charge; every view and act,
/// allowed or not, is in the audit log.
///
/// - `GET  /v1/feedback`: the items in charge of the officer's organisations.
/// - `GET  /v1/feedback/{code}`: the item, its history and duplicates, for organisations it has
///   been in charge of, those above the one in charge now, and auditors.
/// - `POST /v1/feedback/{code}/decision`: `{decision: accept|refuse|request-clarification|extend|
///   answer|note-progress|reclassify, text, days, publish, topic, organisationCode}`, by the
///   organisation in charge (403 otherwise).
/// - `GET  /v1/organisations/{code}/feedback-figures?from=YYYY-MM-DD&to=YYYY-MM-DD&format=json|csv`: PAKN
///   figures (Đ.37.2) of the items it had in charge, for it, those above it and auditors.
struct FeedbackOfficerRoutes: Sendable {
    let desk: FeedbackDesk
    let routes: OfficerRoutes
    var store: FeedbackStore { desk.store }

    enum Decision: String, Decodable, Sendable {
        case accept, refuse, extend, answer, reclassify
        case requestClarification = "request-clarification"
        case noteProgress = "note-progress"
    }

    struct DecisionRequest: Decodable, Sendable {
        let decision: Decision
        /// The reason, question, progress or answer.
        let text: String?
        /// Extension: how many days.
        let days: Int?
        /// Answer: publish it (only if the sender consented).
        let publish: Bool?
        /// Reclassification: the new field (its level's organisation takes it) or an organisation.
        let topic: String?
        let organisationCode: String?
    }

    func add(to router: Router<BasicRequestContext>, resources: ServiceResources) {
        let officers = OfficerRequests(tokens: routes.tokens, resources: resources)
        router.get("/v1/feedback") { request, _ in
            try await officers.serve(request) { try list($0) }
        }
        router.get("/v1/feedback/:code") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request) { try view(code, $0) }
        }
        router.post("/v1/feedback/:code/decision") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await officers.serve(request, body: DecisionRequest.self,
                                            expected: #"{"decision": "accept|refuse|request-clarification|extend|answer|note-progress|reclassify", "text": "..."}"#) {
                try decide(code, $1, $0)
            }
        }
        router.get("/v1/organisations/:code/feedback-figures") { request, context in
            let code = context.parameters.get("code") ?? "", query = FiguresQuery(request)
            return try await officers.serve(request) { call in
                if let problem = query.problem { return try HTTPAnswer.error(.badRequest, problem.code, problem.message) }
                return try figures(code, query, call)
            }
        }
    }

    func list(_ call: OfficerCall) throws -> HTTPAnswer {
        let acting = try OfficerRoutes.actingFor(call.officer, at: call.context.now, db: call.context.db)
        try call.audit("read-feedback-list", allowed: true, detail: acting.keys.sorted().joined(separator: ","))
        return try HTTPAnswer.json(.ok, ["items": try store.list(of: acting.keys.sorted(), db: call.context.db)])
    }

    func view(_ code: String, _ call: OfficerCall) throws -> HTTPAnswer {
        let db = call.context.db
        var involved = try store.involved(code, db: db)
        // The levels above the organisation in charge oversee it (the superior hears when it is late).
        if var current = try store.load(code, forUpdate: false, db: db)?.state.organisation {
            while let parent = try store.organisation(current, db: db)?.parent, involved.insert(parent).inserted { current = parent }
        }
        let acting = try OfficerRoutes.actingFor(call.officer, at: call.context.now, db: db)
        let allowed = call.officer.role == "auditor" || !involved.isDisjoint(with: acting.keys)
        try call.audit("read-feedback", dossierCode: code, allowed: allowed, detail: involved.isEmpty ? "unknown item" : nil)
        guard allowed else {
            return try HTTPAnswer.error(.forbidden, "forbidden", "Tổ chức của quý vị không phụ trách phản ánh, kiến nghị \(code).")
        }
        guard let item = try store.load(code, forUpdate: false, db: db) else {
            return try HTTPAnswer.error(.notFound, "unknown-feedback", "Không có phản ánh, kiến nghị \(code).")
        }
        return try HTTPAnswer.json(.ok, FeedbackView(
            item: item.received, status: item.state.status, organisationCode: item.state.organisation, answerDue: item.state.answerDue,
            late: item.state.late, answer: item.answer, rating: item.rating, duplicates: try store.duplicates(of: code, db: db),
            history: try store.history(code, db: db), documentsURL: routes.links.dossierDocuments(code)))
    }

    func decide(_ code: String, _ input: DecisionRequest, _ call: OfficerCall) throws -> HTTPAnswer {
        let context = call.context
        // Read without the lock: the desk takes the item's timers, then the item, and judges the act
        // on the locked item again.
        guard let item = try store.load(code, forUpdate: false, db: context.db) else {
            try call.audit("decide-feedback", dossierCode: code, allowed: false, detail: "unknown item")
            return try HTTPAnswer.error(.notFound, "unknown-feedback", "Không có phản ánh, kiến nghị \(code).")
        }
        let acting = try OfficerRoutes.actingFor(call.officer, at: context.now, db: context.db)
        guard let actor = acting[item.state.organisation] else {
            try call.audit("decide-feedback", dossierCode: code, allowed: false,
                           detail: "\(input.decision.rawValue): in charge is \(item.state.organisation)")
            return try HTTPAnswer.error(.forbidden, "not-in-charge",
                                        "Chỉ \(item.state.organisation), tổ chức đang phụ trách, mới xử lý phản ánh, kiến nghị \(code).")
        }
        let text = input.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        /// An act refused for its input, audited like the others.
        func unprocessable(_ code: String, _ message: String) throws -> HTTPAnswer {
            try call.audit("decide-feedback", dossierCode: code, allowed: false, detail: "\(input.decision.rawValue): \(code)")
            return try HTTPAnswer.error(.unprocessableContent, code, message)
        }
        if text.isEmpty, [.refuse, .requestClarification, .extend, .answer, .noteProgress].contains(input.decision) {
            return try unprocessable("text-required", input.decision == .answer ? "Phải có nội dung trả lời." : "Phải nêu lý do hoặc nội dung.")
        }
        if text.count > WireText.textMaxLength || !WireText.problems(in: ["text": text]).isEmpty {
            return try unprocessable("text-invalid", "Nội dung tối đa \(WireText.textMaxLength) ký tự, không có ký tự điều khiển.")
        }
        if input.decision == .extend, input.days == nil {
            return try unprocessable("days-required", "Phải nêu số ngày gia hạn (tối đa \(desk.rules.limits.extensionMaxDays) ngày).")
        }
        let act: FeedbackAct
        var edit: @Sendable (inout FeedbackItem) -> Void = { _ in }
        var reclassified: String?
        switch input.decision {
        case .accept: act = .accept
        case .refuse: act = .refuse(reason: text)
        case .requestClarification: act = .requestClarification(question: text)
        case .extend: act = .extend(days: input.days ?? 0, reason: text)
        case .noteProgress: act = .noteProgress(text: text)
        case .answer:
            act = .answer(text: text)
            let publish = (input.publish ?? false) && item.received.publicationConsent
            edit = { $0.answer = text; $0.published = publish }
        case .reclassify:
            let topic = input.topic ?? item.topic
            guard let field = desk.rules.topic(topic) else {
                return try unprocessable("unknown-feedback-topic", "Không có lĩnh vực \(WireText.quote(topic)).")
            }
            // The time limits follow the item's system: a field of the other system is not for it.
            guard field.systems.contains(item.system) else {
                return try unprocessable("feedback-topic-not-in-system", "Lĩnh vực \(field.name) không thuộc hệ thống của phản ánh, kiến nghị này.")
            }
            let target = try input.organisationCode
                ?? desk.competentOrganisation(topic: topic, for: item.received.sender, db: context.db)
            guard try store.organisation(target, db: context.db) != nil else {
                return try unprocessable("unknown-organisation", "Không có tổ chức đảng \(WireText.quote(target)).")
            }
            act = .reclassify(organisation: target)
            edit = { $0.topic = topic }
            reclassified = "\(item.topic) → \(topic), \(item.state.organisation) → \(target)"
        }
        let update: FeedbackUpdatedV1?
        do {
            let detail = [reclassified, text.isEmpty ? nil : text].compactMap { $0 }.joined(separator: ": ")
            update = try desk.act(act, on: code, actor: actor.personId, detail: detail.isEmpty ? nil : detail, edit: edit, context: context)
        } catch let refusal as FeedbackRefusal {
            try call.audit("decide-feedback", dossierCode: code, allowed: false, detail: "\(input.decision.rawValue): \(refusal.code)")
            return try HTTPAnswer.error(.conflict, refusal.code, refusal.reason)
        }
        try call.audit("decide-feedback", dossierCode: code, allowed: true,
                       detail: "\(input.decision.rawValue)\(reclassified.map { " \($0)" } ?? "")\(actor.delegationId.map { " (ủy quyền \($0))" } ?? "")")
        return try HTTPAnswer.json(.ok, update)
    }

    func figures(_ code: String, _ query: FiguresQuery, _ call: OfficerCall) throws -> HTTPAnswer {
        guard try routes.mayOversee(code, call, action: "read-figures") else {
            return try HTTPAnswer.error(.forbidden, "forbidden",
                                        "Chỉ tổ chức \(code), cấp ủy cấp trên của tổ chức này hoặc cán bộ kiểm tra mới xem được số liệu đánh giá.")
        }
        let now = call.context.now
        let end = query.until ?? now.addingTimeInterval(1)
        let start = query.from ?? end.addingTimeInterval(-365 * 86_400)
        return try query.answer(try store.figures(of: code, from: start, to: end, db: call.context.db),
                                columns: ["received", "answeredOnTime", "answeredLate", "openLate", "refusedOrWithdrawn",
                                          "averageDaysToAnswer", "rated", "averageRating"])
    }
}
