-- Notices about party dues (a remittance arriving, members in arrears) belong to no dossier.
ALTER TABLE notices ALTER COLUMN dossier_code DROP NOT NULL;
