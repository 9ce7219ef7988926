-- Digitised paper results (Đ.20): an electronic copy of an old paper result, marked converted from
-- paper, signed by the importing organisation, kept with the scan it was made from. Its
-- dossier_code is a digitisation record (<organisation>-SH-<year>-<n>): no dossier decided it.
ALTER TABLE results ADD COLUMN origin text NOT NULL DEFAULT 'electronic' CHECK (origin IN ('electronic', 'digitised'));
ALTER TABLE results ALTER COLUMN origin DROP DEFAULT;
ALTER TABLE results ADD COLUMN scan bytea;
ALTER TABLE results ADD COLUMN scan_media_type text;
ALTER TABLE results ADD CONSTRAINT digitised_results_have_their_scan
    CHECK ((origin = 'digitised') = (scan IS NOT NULL AND scan_media_type IS NOT NULL));
-- One electronic copy per paper original and importing organisation: importing it again is a repeat.
CREATE UNIQUE INDEX results_digitised_original
    ON results (issuing_organisation_code, document_type_code, (content->>'originalNumber')) WHERE origin = 'digitised';
