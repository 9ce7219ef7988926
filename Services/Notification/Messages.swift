// Messages of tthc-notification.
// In:  dossier.received.v1, dossier.accepted.v1 (both also name the dossier's delegate, Đ.11),
//      dossier.supplement-requested.v1, dossier.refused.v1, dossier.decided.v1, result.issued.v1
//      (queue notification.events).
// Out: none yet: notices are stored in the member's (and the delegate's) account, table `notices`.
