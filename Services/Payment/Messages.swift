// Messages of tthc-payment.
// In:  payment.requested.v1 (queue payment.requests).
// Out: payment.completed.v1 (with the provider integration, later).
