-- Recommendations keep every counselor_match row parsed in memory
-- (internal/matching/pool.go) and must learn when any row changes. A
-- statement-level trigger sends one notification per writing statement on
-- the channel taiwa_counselor_match; PostgreSQL delivers it only after the
-- writer commits and folds identical ones of a transaction into one. A
-- serving process that listens re-reads the rows that changed (by xmin)
-- on its next request; one that does not listen reads the table on every
-- request, as before. The payload is empty: nothing about anyone leaves.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION counselor_match_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('taiwa_counselor_match', '');
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER counselor_match_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
  ON counselor_match FOR EACH STATEMENT EXECUTE FUNCTION counselor_match_notify();

-- +goose StatementBegin
CREATE FUNCTION public.app_authenticate(company text, usr text, rol text, ticket text, token bytea, at timestamptz)
RETURNS TABLE (session_id uuid, last_seen_at timestamptz, user_id uuid, company_id uuid,
               email text, name text, role text, locale text, timezone text)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
  PERFORM public.app_set_scope(company, usr, rol, ticket);
  RETURN QUERY
    SELECT s.id, s.last_seen_at, u.id, u.company_id, u.email, u.name, u.role, u.locale, u.timezone
    FROM public.auth_sessions s JOIN public.users u ON u.id = s.user_id
    WHERE s.token_hash = token AND s.expires_at > at AND u.disabled_at IS NULL;
END $$;
-- +goose StatementEnd
REVOKE ALL ON FUNCTION public.app_authenticate(text, text, text, text, bytea, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION public.app_authenticate(text, text, text, text, bytea, timestamptz) TO taiwa_app;

-- +goose Down
DROP FUNCTION IF EXISTS public.app_authenticate(text, text, text, text, bytea, timestamptz);
DROP TRIGGER IF EXISTS counselor_match_notify ON counselor_match;
DROP FUNCTION IF EXISTS counselor_match_notify();
