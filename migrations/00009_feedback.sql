-- Feedback: keep a counsellor's rating (counselors.rating_avg and
-- rating_count) from every company's session_feedback in the rating
-- employee's own transaction. The employee's scope sees only their own
-- feedback rows (RLS), so the recount runs as the platform: the function
-- sets app.role to 'system' for its own duration only (restored on exit)
-- and reveals nothing but the counsellor's published average and count.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION counselor_rating_refresh(cid uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE prev text := current_setting('app.role', true);
BEGIN
  PERFORM set_config('app.role', 'system', true);
  -- Lock the counsellor first: a concurrent rating then waits, and the
  -- recount below (a new statement, a new snapshot) sees it committed.
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
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);

-- +goose Down
DROP INDEX IF EXISTS audit_log_action_idx;
DROP FUNCTION IF EXISTS counselor_rating_refresh(uuid);
