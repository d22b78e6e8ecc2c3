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

-- +goose Down
DROP TRIGGER IF EXISTS counselor_match_notify ON counselor_match;
DROP FUNCTION IF EXISTS counselor_match_notify();
