-- Scopes the tenant role cannot forge, a system role, and a schema that
-- pg_dump can read as its owner.
--
-- Until now a transaction's scope was three settings (app.company_id,
-- app.user_id, app.role) that any role may set with SET or set_config, so
-- one injected statement could declare itself 'system' and read every
-- company. Now:
--
--  * privilege is a property of the database role, not of a setting:
--    app_privileged() is true only for members of taiwa_system (the
--    platform's own pool: worker, housekeeping, billing, reports, seed and
--    operators' reads after the application's own authorisation) and the
--    schema owner (a member too, so the owner can pg_dump and restore).
--    taiwa_app, the role that serves tenant requests, is not a member and
--    cannot SET ROLE to it.
--  * the tenant scope is declared with app_set_scope(company, user, role,
--    ticket) where ticket is a MAC over the scope under a key held in
--    app_scope_secret, a table only the owner and taiwa_system can read. The
--    application reads the key through its system pool at start. The
--    function seals the scope to this backend and this transaction into
--    app.scope; app_scope() checks the seal, so a hand-set app.scope, or one
--    copied from another transaction, reads as no scope at all.
--  * every policy calls the scope functions once per statement:
--    (SELECT public.app_company_id()) is an InitPlan, not a per-row call.
--  * function bodies name their schema (or set search_path), so pg_dump's
--    empty search_path and pg_restore's triggers find them.
--
-- New policies should write (SELECT public.app_company_id()) and so on.

-- +goose Up
-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'taiwa_system') THEN
    CREATE ROLE taiwa_system NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
  -- The system role has every grant the app role has, present and future.
  IF NOT pg_has_role('taiwa_system', 'taiwa_app', 'MEMBER') THEN
    GRANT taiwa_app TO taiwa_system;
  END IF;
  -- The schema owner reads everything (pg_dump as the owner).
  IF NOT pg_has_role(current_user, 'taiwa_system', 'MEMBER') THEN
    EXECUTE format('GRANT taiwa_system TO %I', current_user);
  END IF;
END $$;
-- +goose StatementEnd

CREATE TABLE app_scope_secret (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  key       bytea NOT NULL CHECK (length(key) >= 32)
);
-- 244 random bits from two version-4 UUIDs (gen_random_uuid is a CSPRNG).
INSERT INTO app_scope_secret (key)
  VALUES (decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'));
REVOKE ALL ON app_scope_secret FROM PUBLIC;
REVOKE ALL ON app_scope_secret FROM taiwa_app;
GRANT SELECT ON app_scope_secret TO taiwa_system;

-- +goose StatementBegin
CREATE FUNCTION public.app_set_scope(company text, usr text, rol text, ticket text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  k bytea;
  body text;
BEGIN
  IF company IS NULL OR usr IS NULL OR rol IS NULL
     OR company !~ '^([0-9a-f-]{36})?$' OR usr !~ '^([0-9a-f-]{36})?$' OR rol !~ '^[a-z_]{0,40}$' THEN
    RAISE EXCEPTION 'app scope: malformed scope' USING ERRCODE = '22023';
  END IF;
  SELECT s.key INTO STRICT k FROM public.app_scope_secret s;
  body := company || '|' || usr || '|' || rol;
  IF ticket IS NULL OR ticket <> encode(sha256(k || sha256(k || convert_to('ticket|' || body, 'UTF8'))), 'hex') THEN
    RAISE EXCEPTION 'app scope: the ticket does not match the scope' USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('app.scope', body || '|' || encode(sha256(k || sha256(k || convert_to(
    'seal|' || body || '|' || pg_backend_pid() || '|' || extract(epoch FROM now())::text, 'UTF8'))), 'hex'), true);
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION public.app_set_scope(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_set_scope(text, text, text, text) TO taiwa_app;

-- app_scope is {company, user, role} when app.scope carries a seal made in
-- this backend's current transaction, else NULL (no scope).
-- +goose StatementBegin
CREATE FUNCTION public.app_scope() RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v text := current_setting('app.scope', true);
  p text[];
  k bytea;
BEGIN
  IF v IS NULL OR v = '' THEN
    RETURN NULL;
  END IF;
  p := string_to_array(v, '|');
  IF array_length(p, 1) <> 4 THEN
    RETURN NULL;
  END IF;
  SELECT s.key INTO k FROM public.app_scope_secret s;
  IF k IS NULL OR p[4] <> encode(sha256(k || sha256(k || convert_to(
      'seal|' || p[1] || '|' || p[2] || '|' || p[3] || '|' || pg_backend_pid() || '|' || extract(epoch FROM now())::text, 'UTF8'))), 'hex') THEN
    RETURN NULL;
  END IF;
  RETURN p[1:3];
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION public.app_scope() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_scope() TO taiwa_app;

CREATE OR REPLACE FUNCTION public.app_company_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF((public.app_scope())[1], '')::uuid $$;
CREATE OR REPLACE FUNCTION public.app_user_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF((public.app_scope())[2], '')::uuid $$;
CREATE OR REPLACE FUNCTION public.app_role() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT COALESCE((public.app_scope())[3], '') $$;
CREATE OR REPLACE FUNCTION public.app_privileged() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT pg_catalog.pg_has_role(current_user, 'taiwa_system', 'MEMBER') $$;

-- The rating recount reads every company's feedback: it runs as its owner
-- (privileged) instead of declaring itself 'system'.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION public.counselor_rating_refresh(cid uuid) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  -- Lock the counsellor first: a concurrent rating then waits, and the
  -- recount below (a new statement, a new snapshot) sees it committed.
  PERFORM 1 FROM counselors WHERE id = cid FOR UPDATE;
  UPDATE counselors c SET rating_avg = s.avg, rating_count = s.n
  FROM (SELECT round(avg(satisfaction), 2) AS avg, count(*)::int AS n
        FROM session_feedback WHERE counselor_id = cid) s
  WHERE c.id = cid;
END $$;
-- +goose StatementEnd

-- Every other function finds its tables under any caller's search_path.
-- +goose StatementBegin
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace AND p.proconfig IS NULL AND p.prokind = 'f'
             AND p.proowner = current_user::regrole
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
             AND p.proname NOT IN ('app_company_id', 'app_user_id', 'app_role', 'app_privileged') LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = public, pg_temp', f);
  END LOOP;
END $$;
-- +goose StatementEnd

-- Policies: one call per statement (an InitPlan), schema-qualified.
-- +goose StatementBegin
DO $$
DECLARE
  r record;
  cmd text;
  pat constant text := '(public\.)?(app_company_id|app_user_id|app_role|app_privileged)\(\)';
BEGIN
  FOR r IN SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
    cmd := format('ALTER POLICY %I ON public.%I', r.policyname, r.tablename);
    IF r.qual IS NOT NULL THEN
      cmd := cmd || ' USING (' || regexp_replace(r.qual, pat, '(SELECT public.\2())', 'g') || ')';
    END IF;
    IF r.with_check IS NOT NULL THEN
      cmd := cmd || ' WITH CHECK (' || regexp_replace(r.with_check, pat, '(SELECT public.\2())', 'g') || ')';
    END IF;
    EXECUTE cmd;
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE
  r record;
  cmd text;
  pat constant text := '\(\s*SELECT (public\.)?(app_company_id|app_user_id|app_role|app_privileged)\(\) AS \w+\)';
BEGIN
  FOR r IN SELECT tablename, policyname, qual, with_check FROM pg_policies WHERE schemaname = 'public' LOOP
    cmd := format('ALTER POLICY %I ON public.%I', r.policyname, r.tablename);
    IF r.qual IS NOT NULL THEN
      cmd := cmd || ' USING (' || regexp_replace(r.qual, pat, '\2()', 'g') || ')';
    END IF;
    IF r.with_check IS NOT NULL THEN
      cmd := cmd || ' WITH CHECK (' || regexp_replace(r.with_check, pat, '\2()', 'g') || ')';
    END IF;
    EXECUTE cmd;
  END LOOP;
END $$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
           WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f' AND p.proowner = current_user::regrole
             AND p.proconfig = ARRAY['search_path=public, pg_temp']
             AND p.proname <> 'counselor_rating_refresh' LOOP
    EXECUTE format('ALTER FUNCTION %s RESET search_path', f);
  END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION public.counselor_rating_refresh(uuid);
-- +goose StatementBegin
CREATE FUNCTION counselor_rating_refresh(cid uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE prev text := current_setting('app.role', true);
BEGIN
  PERFORM set_config('app.role', 'system', true);
  PERFORM 1 FROM counselors WHERE id = cid FOR UPDATE;
  UPDATE counselors c SET rating_avg = s.avg, rating_count = s.n
  FROM (SELECT round(avg(satisfaction), 2) AS avg, count(*)::int AS n
        FROM session_feedback WHERE counselor_id = cid) s
  WHERE c.id = cid;
  PERFORM set_config('app.role', COALESCE(prev, ''), true);
EXCEPTION WHEN OTHERS THEN
  PERFORM set_config('app.role', COALESCE(prev, ''), true);
  RAISE;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION counselor_rating_refresh(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION counselor_rating_refresh(uuid) TO taiwa_app;
CREATE OR REPLACE FUNCTION app_company_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.company_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
CREATE OR REPLACE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT COALESCE(current_setting('app.role', true), '') $$;
CREATE OR REPLACE FUNCTION app_privileged() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT app_role() IN ('operator', 'system') $$;
DROP FUNCTION public.app_scope();
DROP FUNCTION public.app_set_scope(text, text, text, text);
DROP TABLE app_scope_secret;
