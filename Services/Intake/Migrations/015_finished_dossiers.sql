-- The accounting of dossiers (đối soát, issue 22): when a dossier reached a finishing status
-- (refused, withdrawn, result issued or revoked: PublicDossierStatus.finishing), set once by the
-- timeline. The unfinished ones are found through a partial index instead of every dossier's
-- latest event: intake's /metrics and `tthc-admin reconcile` read only those.
ALTER TABLE dossiers ADD COLUMN finished_at timestamptz;
UPDATE dossiers d SET finished_at = f.at
FROM (SELECT dossier_code, min(occurred_at) AS at FROM dossier_events
      WHERE status IN ('refused', 'withdrawn', 'result-issued', 'result-revoked') GROUP BY dossier_code) f
WHERE f.dossier_code = d.code;
CREATE INDEX dossiers_unfinished ON dossiers (received_at) WHERE finished_at IS NULL;
