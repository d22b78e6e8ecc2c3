-- +goose Up
-- The foundation: tenants, accounts, counsellors, sessions, outbox, audit.
-- Tenant tables carry company_id first in their keys (ready for Citus) and
-- row-level security, ENABLE + FORCE, keyed on the transaction's scope.

-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'taiwa_app') THEN
    CREATE ROLE taiwa_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END $$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA public TO taiwa_app;

CREATE FUNCTION app_company_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.company_id', true), '')::uuid $$;
CREATE FUNCTION app_user_id() RETURNS uuid LANGUAGE sql STABLE AS
$$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
CREATE FUNCTION app_role() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT COALESCE(current_setting('app.role', true), '') $$;
-- Operators and the platform's own jobs see across companies.
CREATE FUNCTION app_privileged() RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT app_role() IN ('operator', 'system') $$;

CREATE TABLE plans (
  code                  text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,40}$'),
  name_ja               text NOT NULL,
  name_en               text NOT NULL,
  kind                  text NOT NULL CHECK (kind IN ('per_session', 'subscription', 'per_seat')),
  is_trial              boolean NOT NULL DEFAULT false,
  monthly_fee_jpy       bigint NOT NULL DEFAULT 0 CHECK (monthly_fee_jpy >= 0),
  session_price_jpy     bigint NOT NULL DEFAULT 0 CHECK (session_price_jpy >= 0),
  seat_price_jpy        bigint NOT NULL DEFAULT 0 CHECK (seat_price_jpy >= 0),
  included_sessions     integer NOT NULL DEFAULT 0 CHECK (included_sessions >= 0),
  overage_price_jpy     bigint NOT NULL DEFAULT 0 CHECK (overage_price_jpy >= 0),
  session_cap           integer CHECK (session_cap > 0),
  late_cancel_notice_h  integer NOT NULL DEFAULT 24 CHECK (late_cancel_notice_h BETWEEN 0 AND 168),
  active                boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now()
);

INSERT INTO plans (code, name_ja, name_en, kind, is_trial, monthly_fee_jpy, session_price_jpy, seat_price_jpy, included_sessions, overage_price_jpy, session_cap) VALUES
  ('trial',        'トライアル',     'Trial',        'per_session',  true,  0,      0,     0,   0,  0,     10),
  ('per_session',  '従量プラン',     'Per session',  'per_session',  false, 0,      15000, 0,   0,  0,     NULL),
  ('subscription', '定額プラン',     'Subscription', 'subscription', false, 300000, 0,     0,   30, 12000, NULL),
  ('per_seat',     'シート課金プラン', 'Per seat',     'per_seat',     false, 0,      0,     800, 0,  0,     NULL);

CREATE TABLE companies (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name               text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  min_group          integer NOT NULL DEFAULT 10 CHECK (min_group >= 10),
  stripe_customer_id text,
  created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE contracts (
  company_id  uuid NOT NULL REFERENCES companies(id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  plan_code   text NOT NULL REFERENCES plans(code),
  seats       integer NOT NULL CHECK (seats BETWEEN 1 AND 1000000),
  starts_on   date NOT NULL,
  ends_on     date,
  status      text NOT NULL CHECK (status IN ('trial', 'active', 'ended')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  CHECK (ends_on IS NULL OR ends_on >= starts_on)
);

CREATE TABLE departments (
  company_id  uuid NOT NULL REFERENCES companies(id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  parent_id   uuid,
  name        text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
  path        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (company_id, path),
  FOREIGN KEY (company_id, parent_id) REFERENCES departments(company_id, id)
);

CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id     uuid REFERENCES companies(id),
  email          text NOT NULL CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254),
  name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  role           text NOT NULL CHECK (role IN ('employee', 'counselor', 'company_admin', 'operator')),
  password_hash  text,
  locale         text NOT NULL DEFAULT 'ja' CHECK (locale IN ('ja', 'en')),
  disabled_at    timestamptz,
  last_login_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  CHECK ((role IN ('employee', 'company_admin')) = (company_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_company_idx ON users (company_id, role);

CREATE TABLE employees (
  company_id      uuid NOT NULL REFERENCES companies(id),
  user_id         uuid NOT NULL REFERENCES users(id),
  department_id   uuid,
  age_band        text CHECK (age_band IN ('20s', '30s', '40s', '50s', '60s', '70s')),
  tenure_band     text CHECK (tenure_band IN ('0-2y', '3-5y', '6-10y', '11y+')),
  job_family      text NOT NULL DEFAULT '' CHECK (length(job_family) <= 100),
  employee_code   text NOT NULL DEFAULT '' CHECK (length(employee_code) <= 64),
  report_opt_out  boolean NOT NULL DEFAULT false,
  opt_out_at      timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, user_id),
  UNIQUE (user_id),
  FOREIGN KEY (company_id, department_id) REFERENCES departments(company_id, id)
);
CREATE UNIQUE INDEX employees_code_key ON employees (company_id, employee_code) WHERE employee_code <> '';
CREATE INDEX employees_department_idx ON employees (company_id, department_id);

-- Counsellors are marketplace providers shared by all companies: not tenant rows.
CREATE TABLE counselors (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL UNIQUE REFERENCES users(id),
  status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'suspended')),
  display_name      text NOT NULL DEFAULT '',
  kana              text NOT NULL DEFAULT '',
  bio               text NOT NULL DEFAULT '',
  gender            text CHECK (gender IN ('female', 'male', 'other', 'undisclosed')),
  age_band          text CHECK (age_band IN ('20s', '30s', '40s', '50s', '60s', '70s')),
  years_experience  integer NOT NULL DEFAULT 0 CHECK (years_experience BETWEEN 0 AND 70),
  languages         text[] NOT NULL DEFAULT '{}',
  formats           text[] NOT NULL DEFAULT '{}',
  themes            text[] NOT NULL DEFAULT '{}',
  industries        text[] NOT NULL DEFAULT '{}',
  job_functions     text[] NOT NULL DEFAULT '{}',
  rate_jpy          bigint NOT NULL DEFAULT 0 CHECK (rate_jpy >= 0),
  timezone          text NOT NULL DEFAULT 'Asia/Tokyo',
  verified_at       timestamptz,
  suspended_at      timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE credentials (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  counselor_id         uuid NOT NULL REFERENCES counselors(id),
  kind                 text NOT NULL CHECK (kind IN ('career_consultant', 'certified_public_psychologist', 'clinical_psychologist', 'occupational_physician', 'public_health_nurse', 'labor_attorney', 'icf_coach')),
  registration_number  text NOT NULL CHECK (length(btrim(registration_number)) BETWEEN 1 AND 64),
  issued_on            date NOT NULL,
  expires_on           date,
  status               text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected')),
  rejected_reason      text,
  verified_at          timestamptz,
  verified_by          uuid REFERENCES users(id),
  created_at           timestamptz NOT NULL DEFAULT now(),
  CHECK (expires_on IS NULL OR expires_on > issued_on)
);
CREATE INDEX credentials_counselor_idx ON credentials (counselor_id);

-- Server-side sessions: the token is never stored, only its SHA-256.
CREATE TABLE auth_sessions (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash    bytea NOT NULL UNIQUE,
  user_id       uuid NOT NULL REFERENCES users(id),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  last_seen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id);

-- Single-use emailed links: invitations and password resets.
CREATE TABLE auth_tokens (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  token_hash  bytea NOT NULL UNIQUE,
  user_id     uuid NOT NULL REFERENCES users(id),
  purpose     text NOT NULL CHECK (purpose IN ('invite', 'reset')),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id, purpose);

-- Fixed-window counters shared by every process (sign-in, reports).
CREATE TABLE rate_limits (
  key           text NOT NULL,
  window_start  timestamptz NOT NULL,
  hits          integer NOT NULL DEFAULT 0,
  PRIMARY KEY (key, window_start)
);

-- Side effects written in the same transaction as the change that causes them.
CREATE TABLE outbox (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind             text NOT NULL,
  payload          jsonb NOT NULL,
  dedupe_key       text UNIQUE,
  status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'dead')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  done_at          timestamptz
);
CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE status = 'pending';

-- +goose StatementBegin
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('taiwa_outbox', '');
  RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- The audit log is append-only: no grant of UPDATE/DELETE/TRUNCATE to the
-- application, and a trigger refuses them even for the owner.
CREATE TABLE audit_log (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at             timestamptz NOT NULL DEFAULT now(),
  actor_user_id  uuid,
  actor_role     text NOT NULL DEFAULT '',
  company_id     uuid,
  action         text NOT NULL,
  target_type    text NOT NULL DEFAULT '',
  target_id      text NOT NULL DEFAULT '',
  outcome        text NOT NULL DEFAULT 'ok',
  details        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_company_idx ON audit_log (company_id, at DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, at DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_log_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_immutable();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_immutable();

-- Mail caught by the development SMTP sink, readable by operators in the UI.
CREATE TABLE dev_mail (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  received_at  timestamptz NOT NULL DEFAULT now(),
  mail_from    text NOT NULL,
  rcpt_to      text[] NOT NULL,
  subject      text NOT NULL DEFAULT '',
  raw          bytea NOT NULL
);

-- Row-level security.
ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
ALTER TABLE companies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON companies USING (app_privileged() OR id = app_company_id());

-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['contracts', 'departments', 'employees'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant ON %I USING (app_privileged() OR company_id = app_company_id())', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- Users: one's own row, one's company's rows, or (for marketplace users
-- without a company) visible as providers; never another company's people.
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
ALTER TABLE users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON users USING (
  app_privileged() OR id = app_user_id() OR company_id = app_company_id()
  OR (company_id IS NULL AND role = 'counselor'));

-- The audit log: anyone may append; only operators and system jobs read, and
-- each user their own entries.
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY append ON audit_log FOR INSERT WITH CHECK (true);
CREATE POLICY read ON audit_log FOR SELECT USING (app_privileged() OR actor_user_id = app_user_id());

GRANT SELECT ON plans TO taiwa_app;
GRANT SELECT, INSERT, UPDATE ON plans TO taiwa_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON companies, contracts, departments, users, employees,
  counselors, credentials, auth_sessions, auth_tokens, rate_limits, outbox, dev_mail TO taiwa_app;
GRANT SELECT, INSERT ON audit_log TO taiwa_app;
GRANT SELECT ON goose_db_version TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS dev_mail, audit_log, outbox, rate_limits, auth_tokens, auth_sessions,
  credentials, counselors, employees, users, departments, contracts, companies, plans CASCADE;
DROP FUNCTION IF EXISTS audit_log_immutable(), outbox_notify(), app_privileged(), app_role(), app_user_id(), app_company_id();
