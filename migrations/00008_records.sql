-- Session records, amendments, urgent-risk alerts, feedback, employees'
-- own notes and consents: the most sensitive data in the product.
--
-- - Private notes (the counsellor's and the employee's) are sealed in the
--   application (AES-256-GCM, internal/platform/seal) with the row's
--   identity as associated data: these columns hold ciphertext only.
-- - A company admin sees none of these rows. What HR may see of an
--   individual is only what that employee consented to, as a snapshot kept
--   in the consent itself (consents), shown by the consent's own policy.
-- - Records are editable for 7 days (locks_at), then amendments are
--   appended (session_record_amendments), never overwriting.
-- - consents and session_record_amendments are append-only for the
--   application role, like audit_log.

-- +goose Up
ALTER TABLE users ADD COLUMN clinical_lead boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD CONSTRAINT users_clinical_lead_operator CHECK (NOT clinical_lead OR role = 'operator');

CREATE TABLE session_records (
  company_id         uuid NOT NULL,
  booking_id         uuid NOT NULL,
  counselor_id       uuid NOT NULL REFERENCES counselors(id),
  counselor_user_id  uuid NOT NULL REFERENCES users(id), -- denormalised for RLS
  employee_user_id   uuid NOT NULL,                     -- denormalised for RLS
  themes             text[] NOT NULL CHECK (cardinality(themes) BETWEEN 1 AND 10),
  risk_level         text NOT NULL CHECK (risk_level IN ('none', 'low', 'moderate', 'high', 'urgent')),
  follow_up          boolean NOT NULL DEFAULT false,
  observations       text[] NOT NULL DEFAULT '{}',       -- coded organisational observations
  shared_summary     text CHECK (length(shared_summary) <= 4000),
  private_notes      bytea,                              -- sealed, never plaintext
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  locks_at           timestamptz NOT NULL,               -- created_at + 7 days: then amendments only
  PRIMARY KEY (company_id, booking_id),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id),
  CHECK (observations <@ ARRAY['workload', 'management_style', 'communication', 'harassment_climate',
                              'career_path', 'pay_evaluation', 'work_life']::text[]),
  CHECK (themes <@ ARRAY['career', 'mental_health', 'relationships', 'harassment', 'work_life', 'engagement',
                        'onboarding', 'exit_interview', 'return_to_work', 'high_stress_followup']::text[])
);
CREATE UNIQUE INDEX session_records_booking_key ON session_records (booking_id);
CREATE INDEX session_records_counselor_idx ON session_records (counselor_id, created_at DESC);
CREATE INDEX session_records_company_idx ON session_records (company_id, created_at);

-- A change after the lock: a full new version of the coded fields (and,
-- when given, the summary and sealed notes), in order. The record as read is
-- the row above with every amendment applied in seq order.
CREATE TABLE session_record_amendments (
  company_id       uuid NOT NULL,
  booking_id       uuid NOT NULL,
  seq              integer NOT NULL CHECK (seq >= 1),
  author_user_id   uuid NOT NULL REFERENCES users(id),
  counselor_user_id uuid NOT NULL,
  themes           text[] NOT NULL,
  risk_level       text NOT NULL CHECK (risk_level IN ('none', 'low', 'moderate', 'high', 'urgent')),
  follow_up        boolean NOT NULL,
  observations     text[] NOT NULL DEFAULT '{}',
  shared_summary   text CHECK (length(shared_summary) <= 4000),
  private_notes    bytea,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, booking_id, seq),
  FOREIGN KEY (company_id, booking_id) REFERENCES session_records(company_id, booking_id)
);

-- Urgent risk goes to the platform's clinical lead, never to the company.
CREATE TABLE risk_alerts (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  company_id        uuid NOT NULL,
  booking_id        uuid NOT NULL,
  counselor_id      uuid NOT NULL REFERENCES counselors(id),
  risk_level        text NOT NULL CHECK (risk_level IN ('high', 'urgent')),
  status            text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  raised_at         timestamptz NOT NULL DEFAULT now(),
  acknowledged_at   timestamptz,
  acknowledged_by   uuid REFERENCES users(id),
  resolved_at       timestamptz,
  resolved_by       uuid REFERENCES users(id),
  outcome           text CHECK (outcome IN ('contacted_counselor', 'emergency_services', 'employee_safe', 'referred', 'other')),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id)
);
CREATE INDEX risk_alerts_open_idx ON risk_alerts (status, raised_at);

-- The employee's rating of a held session, once. The comment is for the
-- platform only (operators), never the counsellor or the company.
CREATE TABLE session_feedback (
  company_id        uuid NOT NULL,
  booking_id        uuid NOT NULL,
  employee_user_id  uuid NOT NULL,
  counselor_id      uuid NOT NULL REFERENCES counselors(id),
  satisfaction      smallint NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
  fit               smallint NOT NULL CHECK (fit BETWEEN 1 AND 5),
  who5              smallint[] NOT NULL CHECK (cardinality(who5) = 5 AND 0 <= ALL (who5) AND 5 >= ALL (who5)),
  comment           text CHECK (length(comment) <= 2000),
  created_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, booking_id),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id)
);
CREATE INDEX session_feedback_counselor_idx ON session_feedback (counselor_id);
CREATE INDEX session_feedback_company_idx ON session_feedback (company_id, created_at);

-- The employee's own notes on a session, sealed; only they read them.
CREATE TABLE employee_notes (
  company_id        uuid NOT NULL,
  booking_id        uuid NOT NULL,
  employee_user_id  uuid NOT NULL,
  notes             bytea NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, booking_id),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id)
);

-- Every consent an employee gives or withdraws, with its time and the exact
-- text they saw (and, for a shared item, exactly what was shared). The
-- state of a consent is its newest row; rows are never changed or removed.
-- item: 'summary' | 'themes' | 'follow_up' (sharing one record's item with
-- HR, subject = booking id), 'report_opt_out' (subject = ''), and
-- 'programme_enrolment' (subject = enrolment id).
CREATE TABLE consents (
  company_id        uuid NOT NULL,
  id                bigint GENERATED ALWAYS AS IDENTITY,
  employee_user_id  uuid NOT NULL,
  item              text NOT NULL CHECK (item ~ '^[a-z][a-z_]{1,40}$'),
  subject           text NOT NULL DEFAULT '',
  granted           boolean NOT NULL,
  consent_text      text NOT NULL CHECK (length(consent_text) BETWEEN 1 AND 4000),
  shared_content    text CHECK (length(shared_content) <= 8000),
  at                timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, employee_user_id) REFERENCES employees(company_id, user_id)
);
CREATE INDEX consents_subject_idx ON consents (company_id, employee_user_id, item, subject, id DESC);

-- +goose StatementBegin
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER consents_append_only BEFORE UPDATE OR DELETE ON consents FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER consents_no_truncate BEFORE TRUNCATE ON consents FOR EACH STATEMENT EXECUTE FUNCTION append_only();
-- Amendments are append-only too, with one exception: key rotation
-- (`taiwa keys rotate`) may replace a sealed private_notes value with the
-- same note sealed under the current key. Any other change, a removal or
-- clearing the notes is refused; the application role may only UPDATE
-- that one column (see the grants below).
-- +goose StatementBegin
CREATE FUNCTION amendments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.private_notes IS NOT NULL AND NEW.private_notes IS NOT NULL
     AND (NEW.company_id, NEW.booking_id, NEW.seq, NEW.author_user_id, NEW.counselor_user_id, NEW.themes,
          NEW.risk_level, NEW.follow_up, NEW.observations, NEW.shared_summary, NEW.created_at)
         IS NOT DISTINCT FROM
         (OLD.company_id, OLD.booking_id, OLD.seq, OLD.author_user_id, OLD.counselor_user_id, OLD.themes,
          OLD.risk_level, OLD.follow_up, OLD.observations, OLD.shared_summary, OLD.created_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'session_record_amendments is append-only (only key rotation may re-seal private_notes)'
    USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER amendments_append_only BEFORE UPDATE OR DELETE ON session_record_amendments FOR EACH ROW EXECUTE FUNCTION amendments_guard();
CREATE TRIGGER amendments_no_truncate BEFORE TRUNCATE ON session_record_amendments FOR EACH STATEMENT EXECUTE FUNCTION append_only();

-- Row-level security: the booking's parties, operators and system jobs;
-- never a company admin (except consents, below).
ALTER TABLE session_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_records FORCE ROW LEVEL SECURITY;
CREATE POLICY party ON session_records USING (
  app_privileged()
  OR (app_role() = 'counselor' AND counselor_user_id = app_user_id())
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

ALTER TABLE session_record_amendments ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_record_amendments FORCE ROW LEVEL SECURITY;
CREATE POLICY party ON session_record_amendments USING (
  app_privileged()
  OR (app_role() = 'counselor' AND counselor_user_id = app_user_id())
  OR (app_role() = 'employee' AND company_id = app_company_id() AND EXISTS (
        SELECT 1 FROM session_records r WHERE r.company_id = session_record_amendments.company_id
          AND r.booking_id = session_record_amendments.booking_id AND r.employee_user_id = app_user_id())));

-- Alerts: operators and system only; a counsellor may raise one (insert)
-- from their own record.
ALTER TABLE risk_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE risk_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY operators ON risk_alerts USING (app_privileged());
CREATE POLICY raise ON risk_alerts FOR INSERT WITH CHECK (app_role() = 'counselor' AND EXISTS (
  SELECT 1 FROM counselors c WHERE c.id = risk_alerts.counselor_id AND c.user_id = app_user_id()));

ALTER TABLE session_feedback ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_feedback FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON session_feedback USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

ALTER TABLE employee_notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE employee_notes FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON employee_notes USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

-- Consents: the employee's own; a company admin of the same company reads
-- only the rows about sharing a record's items (the service shows HR those
-- still granted, and only what they contain) — never opt-outs or
-- programme enrolments.
ALTER TABLE consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE consents FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON consents USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));
CREATE POLICY hr ON consents FOR SELECT USING (
  app_role() = 'company_admin' AND company_id = app_company_id() AND item IN ('summary', 'themes', 'follow_up'));

GRANT SELECT, INSERT, UPDATE ON session_records, risk_alerts, employee_notes TO taiwa_app;
GRANT SELECT, INSERT ON session_record_amendments, session_feedback, consents TO taiwa_app;
GRANT DELETE ON employee_notes TO taiwa_app;
-- Key rotation only (amendments_guard refuses every other change).
GRANT UPDATE (private_notes) ON session_record_amendments TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS consents, employee_notes, session_feedback, risk_alerts, session_record_amendments, session_records;
DROP FUNCTION IF EXISTS amendments_guard();
DROP FUNCTION IF EXISTS append_only();
ALTER TABLE users DROP CONSTRAINT IF EXISTS users_clinical_lead_operator;
ALTER TABLE users DROP COLUMN IF EXISTS clinical_lead;
