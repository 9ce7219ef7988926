-- The amendment history's rows by sealing key, so that the sealed-content upkeep finds the rows
-- still under an older key after a rotation (issue 17) without reading the table.
CREATE INDEX dossier_revisions_key ON dossier_revisions (key_id);
