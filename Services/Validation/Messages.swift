// Messages of tthc-validation.
// In:  dossier.received.v1, dossier.supplement-received.v1 (queue validation.dossiers);
//      member.registered.v1, member.updated.v1, organisation.registered.v1, organisation.updated.v1
//      (office hours of receiving organisations) (queue validation.registry).
// Out: dossier.accepted.v1, dossier.supplement-requested.v1, dossier.refused.v1,
//      dossier.check-overdue.v1 (durable timer, 8 working hours after the official receipt time).
