// Messages of tthc-intake (types in Shared/Contracts, schemas in Shared/Contracts/Schemas).
// In:  dossier.submit.v1 on tthc.intake (queue intake.commands), from integrators;
//      dossier events for the public timeline (queue intake.events);
//      organisation.registered.v1, organisation.updated.v1: office hours (queue intake.organisations).
// Out: dossier.received.v1, dossier.rejected.v1 on tthc.events; the same as a reply to `reply_to`.
