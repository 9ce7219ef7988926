import Contracts
import Foundation
import Persistence
import ServiceKit
import ValidationRules

/// Fires `supplementWaitWorkingDays` after a supplement was requested (by validation, or by an
/// organisation that returned the dossier) when none came: the dossier is closed, refused
/// `supplement-not-received`, so that no dossier waits forever. A supplement that arrives first
/// cancels the timer (CheckDesk.recheck).
struct SupplementExpiryTimer: TimerHandler {
    let keyNamesDossier = true
    let kind = CheckDesk.supplementExpiryTimer
    let desk: CheckDesk

    func fire(_ timer: DueTimer, context: HandlerContext) throws {
        let code = try timer.decode(OverduePayload.self).dossierCode
        guard let dossier = try desk.locked(code, db: context.db), dossier.status == .supplementRequested,
              let latest = try desk.revisions(of: code, db: context.db).last else { return }
        let outcome = CheckOutcome.refused(
            code: "supplement-not-received",
            reason: "Quá thời hạn bổ sung, hoàn thiện hồ sơ mà không nhận được hồ sơ bổ sung; hồ sơ được đóng. Nếu vẫn có nhu cầu, đề nghị nộp hồ sơ mới.")
        try desk.record(outcome, for: latest.content, revision: dossier.revision, deadline: timer.dueAt, context: context)
        try desk.announce(outcome, for: latest.content, deadline: timer.dueAt, cause: nil, context: context)
    }
}
