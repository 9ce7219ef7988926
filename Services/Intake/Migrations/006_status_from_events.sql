-- The public status is the status carried by the dossier's latest timeline event that sets one,
-- instead of a column updated (and row-locked) on every event: one insert per event, no update.
ALTER TABLE dossier_events ADD COLUMN status text;
UPDATE dossier_events SET status = CASE event_type
    WHEN 'dossier.received.v1' THEN 'received'
    WHEN 'dossier.accepted.v1' THEN 'accepted'
    WHEN 'dossier.supplement-requested.v1' THEN 'supplement-requested'
    WHEN 'dossier.supplement-received.v1' THEN 'supplement-received'
    WHEN 'dossier.refused.v1' THEN 'refused'
    WHEN 'dossier.check-overdue.v1' THEN 'check-overdue'
    WHEN 'dossier.step-assigned.v1' THEN 'in-progress'
    WHEN 'dossier.decided.v1' THEN 'decided'
    WHEN 'dossier.withdrawn.v1' THEN 'withdrawn'
    WHEN 'result.issued.v1' THEN 'result-issued'
    WHEN 'result.revoked.v1' THEN 'result-revoked'
END;
CREATE INDEX dossier_events_status ON dossier_events (dossier_code, occurred_at DESC) WHERE status IS NOT NULL;
ALTER TABLE dossiers DROP COLUMN status, DROP COLUMN status_at;
