-- Withdrawal (rút hồ sơ, issue 15): a dossier validation ever accepted is routing's to close (and
-- announce); validation closes and announces only those it never passed on. Status 'withdrawn'.
ALTER TABLE dossiers ADD COLUMN routed boolean NOT NULL DEFAULT false;
UPDATE dossiers SET routed = true WHERE status = 'accepted';
