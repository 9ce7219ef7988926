// Messages of tthc-archive.
// In:  dossier.decided.v1 (queue archive.dossiers).
// Out: result.issued.v1.
