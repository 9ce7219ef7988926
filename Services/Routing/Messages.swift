// Messages of tthc-routing.
// In:  dossier.accepted.v1 (queue routing.dossiers).
// Out: dossier.decided.v1.
