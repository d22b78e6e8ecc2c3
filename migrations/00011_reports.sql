-- De-identified organisational reports (internal/report/store, docs/deid.md).
--
-- Everything here is derived data kept by the platform for DEID-1; no
-- table holds a name, a department or a free text, only ids and encoded
-- aggregates. A company admin reads none of these rows: the service
-- authorises the admin for the company, then works in the platform's scope.
--
-- - report_keys: each company's random 32-byte guard key, sealed with the
--   note keyring (AAD "report_keys", company id). The guard stores
--   employees only as HMAC(key, id), so a copy of report_guard cannot be
--   joined to the roster without this key.
-- - report_months: the frozen activity of a closed month (from the 8th of
--   the next month, Japan time): per employee × booking theme the sessions,
--   rating and WHO-5 sums, highest risk band and observation bits, in a
--   compact binary encoding. Written once (first need), never updated:
--   later amendments, ratings or status changes do not alter it.
-- - report_guard: the company's Released set (cells shown, as keyed
--   hashes; facts; relations) without its key, locked FOR UPDATE by every
--   report request so that all admins share one history.
-- - report_snapshots: a closed-range report as first served, answered
--   unchanged for the same query and min_group.

-- +goose Up
CREATE TABLE report_keys (
  company_id  uuid PRIMARY KEY REFERENCES companies(id),
  sealed_key  bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE report_months (
  company_id  uuid NOT NULL REFERENCES companies(id),
  month       integer NOT NULL CHECK (month BETWEEN 2000 * 12 AND 3000 * 12), -- year*12 + month-1
  rows        integer NOT NULL CHECK (rows >= 0),
  activity    bytea NOT NULL,
  frozen_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, month)
);

CREATE TABLE report_guard (
  company_id  uuid PRIMARY KEY REFERENCES companies(id),
  state       bytea NOT NULL,
  releases    integer NOT NULL DEFAULT 0 CHECK (releases >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE report_snapshots (
  company_id  uuid NOT NULL REFERENCES companies(id),
  query_key   text NOT NULL CHECK (length(query_key) BETWEEN 1 AND 200),
  min_group   integer NOT NULL CHECK (min_group >= 10),
  body        bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, query_key, min_group)
);

-- Held sessions of a company by time: the live aggregation of open months
-- reads only this index's range (and the record/feedback rows by key);
-- it includes the columns the row-level policy reads.
CREATE INDEX bookings_completed_time_idx ON bookings (company_id, starts_at)
  INCLUDE (id, employee_user_id, theme, counselor_user_id) WHERE status = 'completed';
-- Amendments written since an open range began (records and feedback
-- have such an index already).
CREATE INDEX session_record_amendments_company_idx ON session_record_amendments (company_id, created_at);

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['report_keys', 'report_months', 'report_guard', 'report_snapshots'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY platform ON %I USING (app_privileged()) WITH CHECK (app_privileged())', t);
  END LOOP;
END $$;
-- +goose StatementEnd

GRANT SELECT, INSERT, UPDATE ON report_keys, report_guard TO taiwa_app;
GRANT SELECT, INSERT ON report_months, report_snapshots TO taiwa_app;

-- +goose Down
DROP INDEX IF EXISTS bookings_completed_time_idx, session_record_amendments_company_idx;
DROP TABLE IF EXISTS report_snapshots, report_guard, report_months, report_keys;
