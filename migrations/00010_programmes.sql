-- Follow-up programmes (internal/programme, docs/programmes.md).
--
-- A programme is one company's run of a template (high-stress follow-up,
-- return to work, onboarding, exit interview) in one of two modes:
-- - named: HR enrols named employees; each enrolment waits for the
--   employee's acceptance. A company admin may read named enrolments (who
--   was enrolled: HR chose them) but never a step row: what HR learns of
--   the steps (held / not held, only once accepted) the service computes.
-- - open: HR invites a group; a company admin reads NO enrolment or step
--   row of an open programme, so who joined cannot be queried at all; the
--   service publishes only suppressed aggregate uptake.
-- Steps are rows per enrolment; the employee alone (and the platform)
-- reads them, including declines and their coded reasons.

-- +goose Up
CREATE TABLE programmes (
  company_id     uuid NOT NULL REFERENCES companies(id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  template       text NOT NULL CHECK (template IN ('high_stress_followup', 'return_to_work', 'onboarding', 'exit_interview')),
  name           text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  mode           text NOT NULL CHECK (mode IN ('named', 'open')),
  department_id  uuid,
  created_by     uuid REFERENCES users(id),
  created_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, department_id) REFERENCES departments(company_id, id)
);
CREATE UNIQUE INDEX programmes_id_key ON programmes (id);

CREATE TABLE programme_enrolments (
  company_id        uuid NOT NULL,
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  programme_id      uuid NOT NULL,
  mode              text NOT NULL CHECK (mode IN ('named', 'open')), -- the programme's, for RLS
  employee_user_id  uuid NOT NULL,
  -- named: pending → accepted | declined; accepted → withdrawn.
  -- open: invited → joined | declined; joined → withdrawn.
  status            text NOT NULL CHECK (status IN ('pending', 'accepted', 'invited', 'joined', 'declined', 'withdrawn')),
  anchors           jsonb NOT NULL DEFAULT '{}',
  created_at        timestamptz NOT NULL DEFAULT now(),
  answered_at       timestamptz,
  PRIMARY KEY (company_id, id),
  UNIQUE (company_id, programme_id, employee_user_id),
  FOREIGN KEY (company_id, programme_id) REFERENCES programmes(company_id, id),
  FOREIGN KEY (company_id, employee_user_id) REFERENCES employees(company_id, user_id),
  CHECK ((mode = 'named' AND status IN ('pending', 'accepted', 'declined', 'withdrawn'))
      OR (mode = 'open' AND status IN ('invited', 'joined', 'declined', 'withdrawn')))
);
CREATE UNIQUE INDEX programme_enrolments_id_key ON programme_enrolments (id);
CREATE INDEX programme_enrolments_employee_idx ON programme_enrolments (employee_user_id);

CREATE TABLE programme_steps (
  company_id        uuid NOT NULL,
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  enrolment_id      uuid NOT NULL,
  employee_user_id  uuid NOT NULL, -- denormalised for RLS
  seq               smallint NOT NULL CHECK (seq BETWEEN 1 AND 20),
  step_key          text NOT NULL CHECK (step_key ~ '^[a-z][a-z0-9_]{1,40}$'),
  due_on            date NOT NULL,
  deadline_on       date,            -- the step has no point from this day on
  state             text NOT NULL DEFAULT 'scheduled'
                    CHECK (state IN ('scheduled', 'invited', 'booked', 'held', 'declined', 'closed')),
  invite_count      smallint NOT NULL DEFAULT 0 CHECK (invite_count >= 0),
  next_invite_on    date,            -- set while declined
  decline_reason    text CHECK (decline_reason IN ('not_needed', 'no_time', 'other_support', 'other')),
  booking_id        uuid,
  invited_at        timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (company_id, enrolment_id, seq),
  FOREIGN KEY (company_id, enrolment_id) REFERENCES programme_enrolments(company_id, id),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id),
  CHECK ((state = 'declined') = (next_invite_on IS NOT NULL)),
  CHECK (state NOT IN ('booked', 'held') OR booking_id IS NOT NULL)
);
CREATE UNIQUE INDEX programme_steps_id_key ON programme_steps (id);
CREATE INDEX programme_steps_due_idx ON programme_steps (due_on) WHERE state = 'scheduled';
CREATE INDEX programme_steps_reinvite_idx ON programme_steps (next_invite_on) WHERE state = 'declined';
CREATE INDEX programme_steps_booked_idx ON programme_steps (booking_id) WHERE state = 'booked';

-- Programmes: HR of the company; an employee only the programmes they
-- were enrolled in or invited to.
ALTER TABLE programmes ENABLE ROW LEVEL SECURITY;
ALTER TABLE programmes FORCE ROW LEVEL SECURITY;
CREATE POLICY hr ON programmes USING (
  app_privileged() OR (app_role() = 'company_admin' AND company_id = app_company_id()));
CREATE POLICY enrolled ON programmes FOR SELECT USING (
  app_role() = 'employee' AND company_id = app_company_id() AND EXISTS (
    SELECT 1 FROM programme_enrolments e WHERE e.company_id = programmes.company_id
      AND e.programme_id = programmes.id AND e.employee_user_id = app_user_id()));

-- Enrolments: the employee's own; HR only named ones (never an open
-- programme's: who joined is nobody's business).
ALTER TABLE programme_enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE programme_enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON programme_enrolments USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));
-- HR writes nothing here directly: enrolling and inviting run in the
-- platform's scope after the service checked the admin's company.
CREATE POLICY hr_named ON programme_enrolments FOR SELECT USING (
  app_role() = 'company_admin' AND company_id = app_company_id() AND mode = 'named');

-- Steps: the employee's own and the platform; never a company admin.
ALTER TABLE programme_steps ENABLE ROW LEVEL SECURITY;
ALTER TABLE programme_steps FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON programme_steps USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

GRANT SELECT, INSERT, UPDATE ON programmes, programme_enrolments, programme_steps TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS programme_steps, programme_enrolments, programmes;
