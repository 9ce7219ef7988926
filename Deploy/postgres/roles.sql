-- Roles and schemas of TTHC (ARCHITECTURE §4): one role per service, owning only its schema.
-- Run as a superuser in the tthc database; safe to run again. Development passwords equal the
-- role name; production sets its own with ALTER ROLE ... PASSWORD.
SET client_min_messages = warning;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
REVOKE ALL ON DATABASE tthc FROM PUBLIC;

DO $$
DECLARE
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['intake', 'validation', 'routing', 'payment', 'notification', 'archive'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service) THEN
            EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L', service, service);
        END IF;
        EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE tthc TO %I', service);
        EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
        -- Unqualified names resolve to the service's own schema only.
        EXECUTE format('ALTER ROLE %I SET search_path = %I', service, service);
    END LOOP;
END
$$;
