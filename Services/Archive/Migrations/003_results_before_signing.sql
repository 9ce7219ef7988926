-- Results issued before signing (migration 002) join the data store and can be revoked: their
-- issuing organisation is the deciding one, their store code the dossier's first result.
UPDATE results SET issuing_organisation_code = content->>'decidingOrganisationCode'
WHERE issuing_organisation_code IS NULL;
UPDATE results SET store_code = dossier_code || '-KQ(' || result_number || ')'
WHERE store_code IS NULL AND status = 'issued';
