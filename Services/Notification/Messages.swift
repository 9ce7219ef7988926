// Messages of tthc-notification.
// In:  dossier.received.v1, dossier.accepted.v1 (both also name the dossier's delegate, Đ.11),
//      dossier.supplement-requested.v1, dossier.refused.v1, dossier.decided.v1, result.issued.v1
//      (queue notification.events);
//      dossier.step-assigned.v1, dossier.step-reminder.v1, dossier.step-overdue.v1,
//      temporary-transfer.ending.v1, temporary-transfer.closed.v1 (queue notification.organisations).
// Out: none yet: notices are stored per recipient (member, delegate, organisation), table `notices`.
