// Messages of tthc-validation.
// In:  dossier.received.v1 (queue validation.dossiers).
// Out: dossier.accepted.v1.
