-- The billing ledger: invoices and their lines, the sessions each line
-- bills, pending adjustments, a record of every run, Stripe's applied
-- events, and counsellors' payouts.
--
-- "Never billed twice" is the database's job: billed_sessions holds at most
-- one unreversed row per booking (a partial unique index), and invoices at
-- most one per company and month. A company admin sees its invoices and
-- lines (quantities only) but never billed_sessions, which name bookings.

-- +goose Up
CREATE TABLE billing_runs (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  period              text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  trigger             text NOT NULL DEFAULT 'api' CHECK (trigger IN ('api', 'cli', 'schedule', 'demo', 'test')),
  actor_user_id       uuid,
  started_at          timestamptz NOT NULL DEFAULT now(),
  finished_at         timestamptz,
  invoices_created    integer NOT NULL DEFAULT 0,
  invoices_unchanged  integer NOT NULL DEFAULT 0
);
CREATE INDEX billing_runs_period_idx ON billing_runs (period, started_at DESC);

CREATE SEQUENCE invoice_number_seq;

CREATE TABLE invoices (
  company_id         uuid NOT NULL REFERENCES companies(id),
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  number             text NOT NULL UNIQUE,
  period             text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  contract_id        uuid,
  plan_code          text NOT NULL REFERENCES plans(code),
  status             text NOT NULL DEFAULT 'not_sent'
                     CHECK (status IN ('not_sent', 'open', 'paid', 'void', 'uncollectible')),
  subtotal_jpy       bigint NOT NULL,
  tax_jpy            bigint NOT NULL,
  total_jpy          bigint NOT NULL,
  issued_on          date NOT NULL,
  due_on             date NOT NULL,
  run_id             uuid REFERENCES billing_runs(id),
  stripe_invoice_id  text UNIQUE,
  hosted_url         text,
  sent_at            timestamptz,
  paid_at            timestamptz,
  voided_at          timestamptz,
  stripe_event_at    timestamptz, -- the newest Stripe event applied: older ones are ignored
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  UNIQUE (company_id, period),
  FOREIGN KEY (company_id, contract_id) REFERENCES contracts(company_id, id),
  CHECK (total_jpy = subtotal_jpy + tax_jpy),
  CHECK (due_on >= issued_on)
);
CREATE UNIQUE INDEX invoices_id_key ON invoices (id);
CREATE INDEX invoices_period_idx ON invoices (period);

CREATE TABLE invoice_lines (
  company_id       uuid NOT NULL,
  invoice_id       uuid NOT NULL,
  position         integer NOT NULL CHECK (position >= 1),
  kind             text NOT NULL CHECK (kind IN ('plan_fee', 'seats', 'sessions', 'late_cancellations', 'no_shows', 'overage', 'adjustment')),
  description      text NOT NULL CHECK (length(description) BETWEEN 1 AND 300),
  quantity         bigint NOT NULL,
  unit_amount_jpy  bigint NOT NULL,
  amount_jpy       bigint NOT NULL,
  PRIMARY KEY (company_id, invoice_id, position),
  FOREIGN KEY (company_id, invoice_id) REFERENCES invoices(company_id, id) ON DELETE CASCADE,
  CHECK (amount_jpy = quantity * unit_amount_jpy)
);

-- Which line billed which session. A reversal (the session stopped being
-- billable after it was invoiced) keeps the row and points at the negative
-- adjustment line that undid it; the session may then be billed again.
CREATE TABLE billed_sessions (
  company_id              uuid NOT NULL,
  booking_id              uuid NOT NULL,
  invoice_id              uuid NOT NULL,
  line_position           integer NOT NULL,
  period                  text NOT NULL,   -- the session's own month (JST)
  booking_status          text NOT NULL CHECK (booking_status IN ('completed', 'late_cancelled', 'no_show')),
  amount_jpy              bigint NOT NULL CHECK (amount_jpy >= 0),
  reversed_invoice_id     uuid,
  reversed_line_position  integer,
  created_at              timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, booking_id, invoice_id),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id),
  FOREIGN KEY (company_id, invoice_id, line_position) REFERENCES invoice_lines(company_id, invoice_id, position),
  FOREIGN KEY (company_id, reversed_invoice_id, reversed_line_position) REFERENCES invoice_lines(company_id, invoice_id, position),
  CHECK ((reversed_invoice_id IS NULL) = (reversed_line_position IS NULL))
);
CREATE UNIQUE INDEX billed_sessions_once ON billed_sessions (booking_id) WHERE reversed_invoice_id IS NULL;
CREATE INDEX billed_sessions_invoice_idx ON billed_sessions (company_id, invoice_id);

-- Manual corrections (credits or charges) waiting for the next invoice.
CREATE TABLE billing_adjustments (
  company_id     uuid NOT NULL REFERENCES companies(id),
  id             uuid NOT NULL DEFAULT gen_random_uuid(),
  amount_jpy     bigint NOT NULL CHECK (amount_jpy <> 0),
  description    text NOT NULL CHECK (length(btrim(description)) BETWEEN 1 AND 200),
  created_by     uuid,
  created_at     timestamptz NOT NULL DEFAULT now(),
  invoice_id     uuid,
  line_position  integer,
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, invoice_id, line_position) REFERENCES invoice_lines(company_id, invoice_id, position),
  CHECK ((invoice_id IS NULL) = (line_position IS NULL))
);
CREATE INDEX billing_adjustments_pending_idx ON billing_adjustments (company_id) WHERE invoice_id IS NULL;

-- Stripe's webhook events, each applied once.
CREATE TABLE stripe_events (
  id           text PRIMARY KEY,
  type         text NOT NULL,
  created      timestamptz,
  invoice_id   uuid,
  received_at  timestamptz NOT NULL DEFAULT now()
);

-- What the platform owes each counsellor per month, materialised by the run.
CREATE TABLE payouts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  counselor_id  uuid NOT NULL REFERENCES counselors(id),
  period        text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  sessions      integer NOT NULL CHECK (sessions >= 0),
  amount_jpy    bigint NOT NULL CHECK (amount_jpy >= 0),
  status        text NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'paid')),
  paid_at       timestamptz,
  paid_by       uuid,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (counselor_id, period),
  CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX payouts_period_idx ON payouts (period, status);

-- Row-level security.
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON invoices USING (app_privileged() OR company_id = app_company_id());
ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON invoice_lines USING (app_privileged() OR company_id = app_company_id());
ALTER TABLE billing_adjustments ENABLE ROW LEVEL SECURITY;
ALTER TABLE billing_adjustments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON billing_adjustments USING (app_privileged());

-- Privileged only: billed_sessions names bookings; runs and events are the
-- platform's own.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['billed_sessions', 'billing_runs', 'stripe_events'] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY privileged ON %I USING (app_privileged())', t);
  END LOOP;
END $$;
-- +goose StatementEnd

ALTER TABLE payouts ENABLE ROW LEVEL SECURITY;
ALTER TABLE payouts FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON payouts USING (
  app_privileged()
  OR (app_role() = 'counselor' AND EXISTS (SELECT 1 FROM counselors c WHERE c.id = payouts.counselor_id AND c.user_id = app_user_id())));

GRANT SELECT, INSERT, UPDATE, DELETE ON billing_runs, invoices, invoice_lines, billed_sessions,
  billing_adjustments, stripe_events, payouts TO taiwa_app;
GRANT USAGE, SELECT ON SEQUENCE invoice_number_seq TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS payouts, stripe_events, billing_adjustments, billed_sessions, invoice_lines, invoices, billing_runs;
DROP SEQUENCE IF EXISTS invoice_number_seq;
