-- The processing deadline (hạn giải quyết): the procedure's time limit in working days from the
-- official receipt time, public on the status desk (Đ.5.8).
ALTER TABLE dossiers ADD COLUMN deadline timestamptz;
