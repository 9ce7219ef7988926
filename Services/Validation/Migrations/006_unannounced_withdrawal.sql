-- The reason of a withdrawal validation marked silently because routing held the dossier: if a
-- return from the route was already on its way, routing leaves the returned dossier to validation,
-- which announces the withdrawal when the return arrives (issue 15). Cleared once announced.
ALTER TABLE dossiers ADD COLUMN unannounced_withdrawal_reason text;
