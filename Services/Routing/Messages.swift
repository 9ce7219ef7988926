// Messages of tthc-routing.
// In:  dossier.accepted.v1, dues.status-reported.v1 (queue routing.dossiers);
//      organisation.registered.v1, organisation.updated.v1 (queue routing.organisations);
//      dossier.step-decided.v1 from organisations' software on tthc.intake (queue routing.decisions).
// Out: dossier.step-assigned.v1, dossier.step-decided.v1, dossier.step-reminder.v1, dossier.step-overdue.v1,
//      dossier.supplement-requested.v1 (a step returned it), dossier.decided.v1, dues.status-requested.v1,
//      member.transferred.v1, temporary-transfer.ending|extended|closed.v1.
// HTTP: HTTP/OfficerRoutes.swift (officers' inbox, dossier view, decisions, delegations, extensions, figures).
