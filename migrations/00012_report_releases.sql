-- DEID-2 (docs/deid.md): reports are published, never queried. Each
-- company gets one immutable release per closed month: noisy tables
-- (discrete Gaussian noise drawn once, at release), stored as JSON. A
-- release holds no employee id, no raw count and no noise value; a
-- report is post-processing of releases only.
--
-- DEID-1's live machinery goes: the differencing guard and its key, the
-- frozen activity of closed months, and the snapshots of served reports.

-- +goose Up
DROP TABLE IF EXISTS report_snapshots, report_guard, report_months, report_keys;

CREATE TABLE report_releases (
  company_id   uuid NOT NULL REFERENCES companies(id),
  month        integer NOT NULL CHECK (month BETWEEN 2000 * 12 AND 3000 * 12), -- year*12 + month-1
  version      integer NOT NULL CHECK (version >= 1),
  rho          double precision NOT NULL CHECK (rho > 0),
  body         jsonb NOT NULL,
  released_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, month)
);

-- A release is published once and never changes: a correction made
-- later does not alter it.
CREATE TRIGGER report_releases_immutable BEFORE UPDATE OR DELETE ON report_releases FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER report_releases_no_truncate BEFORE TRUNCATE ON report_releases FOR EACH STATEMENT EXECUTE FUNCTION append_only();

ALTER TABLE report_releases ENABLE ROW LEVEL SECURITY;
ALTER TABLE report_releases FORCE ROW LEVEL SECURITY;
-- The service authorises HR for the company, then reads in the platform's
-- scope (as it does for every aggregate).
CREATE POLICY platform ON report_releases USING (app_privileged()) WITH CHECK (app_privileged());
GRANT SELECT, INSERT ON report_releases TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS report_releases;

CREATE TABLE report_keys (
  company_id  uuid PRIMARY KEY REFERENCES companies(id),
  sealed_key  bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE report_months (
  company_id  uuid NOT NULL REFERENCES companies(id),
  month       integer NOT NULL CHECK (month BETWEEN 2000 * 12 AND 3000 * 12),
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
