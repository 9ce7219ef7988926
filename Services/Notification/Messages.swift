// Messages of tthc-notification.
// In:  dossier.received.v1, dossier.accepted.v1, dossier.decided.v1, result.issued.v1 (queue notification.events).
// Out: none yet (notification.sent.v1 with delivery channels comes later).
