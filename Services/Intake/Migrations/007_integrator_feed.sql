-- The receipt secret (mã bí mật của phiếu tiếp nhận), given only to the submitter with the receipt:
-- whoever shows it sees the dossier's whole history on the status desk; the code alone (sequential,
-- so guessable) shows only the status.
ALTER TABLE dossiers ADD COLUMN receipt_secret text;
UPDATE dossiers SET receipt_secret = replace(gen_random_uuid()::text, '-', '');
ALTER TABLE dossiers ALTER COLUMN receipt_secret SET NOT NULL;
-- What an event tells the submitter beyond its public summary (the problems to fix, a refusal's
-- reason, the step's organisation, the result code): shown only with the receipt secret.
ALTER TABLE dossier_events ADD COLUMN details jsonb;
