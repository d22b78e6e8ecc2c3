-- Availability, bookings, idempotency keys and the waitlist.
--
-- The database itself refuses double bookings: two exclusion constraints
-- over confirmed bookings, one per counsellor (the session plus its buffer,
-- blocked_until) and one per employee (the session itself). The booking
-- transaction checks the rules first; the constraints are the last line.
--
-- Bookings are tenant rows, but the company never sees them: row-level
-- security shows a booking to its employee, its counsellor, operators and
-- the platform's own jobs, and to nobody else (a company admin sees none).

-- +goose Up
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A counsellor's rules, in their own time zone. Counsellors are not tenant
-- rows (marketplace providers), so neither is their schedule.
CREATE TABLE availability_settings (
  counselor_id        uuid PRIMARY KEY REFERENCES counselors(id) ON DELETE CASCADE,
  timezone            text NOT NULL DEFAULT 'Asia/Tokyo' CHECK (length(timezone) BETWEEN 1 AND 64),
  slot_minutes        integer NOT NULL DEFAULT 50 CHECK (slot_minutes BETWEEN 15 AND 180),
  buffer_minutes      integer NOT NULL DEFAULT 10 CHECK (buffer_minutes BETWEEN 0 AND 120),
  min_notice_minutes  integer NOT NULL DEFAULT 720 CHECK (min_notice_minutes BETWEEN 0 AND 43200),
  horizon_days        integer NOT NULL DEFAULT 30 CHECK (horizon_days BETWEEN 1 AND 180),
  max_per_day         integer NOT NULL DEFAULT 6 CHECK (max_per_day BETWEEN 1 AND 24),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

-- Weekly ranges: ISO weekday (1 = Monday), local wall-clock times. A range
-- never crosses midnight (end may be 24:00); split it over two weekdays.
CREATE TABLE availability_weekly (
  counselor_id  uuid NOT NULL REFERENCES counselors(id) ON DELETE CASCADE,
  weekday       smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
  start_time    time NOT NULL,
  end_time      time NOT NULL,
  CHECK (start_time < end_time),
  PRIMARY KEY (counselor_id, weekday, start_time)
);

-- Date overrides: available = false without times is a day off, with times
-- it blocks those hours; available = true adds the hours on that date.
CREATE TABLE availability_overrides (
  counselor_id  uuid NOT NULL REFERENCES counselors(id) ON DELETE CASCADE,
  on_date       date NOT NULL,
  start_time    time,
  end_time      time,
  available     boolean NOT NULL,
  CHECK ((start_time IS NULL) = (end_time IS NULL)),
  CHECK (start_time IS NULL OR start_time < end_time),
  CHECK (NOT available OR start_time IS NOT NULL)
);
CREATE INDEX availability_overrides_idx ON availability_overrides (counselor_id, on_date);

CREATE TABLE bookings (
  company_id         uuid NOT NULL REFERENCES companies(id),
  id                 uuid NOT NULL DEFAULT gen_random_uuid(),
  employee_user_id   uuid NOT NULL,
  counselor_id       uuid NOT NULL REFERENCES counselors(id),
  counselor_user_id  uuid NOT NULL REFERENCES users(id), -- denormalised for RLS
  contract_id        uuid,                                -- the contract it counts against
  starts_at          timestamptz NOT NULL,
  ends_at            timestamptz NOT NULL,
  blocked_until      timestamptz NOT NULL,                -- ends_at + the counsellor's buffer
  theme              text NOT NULL,
  format             text NOT NULL CHECK (format IN ('video', 'phone', 'in_person')),
  status             text NOT NULL DEFAULT 'confirmed'
                     CHECK (status IN ('confirmed', 'completed', 'cancelled', 'late_cancelled', 'no_show')),
  meeting_url        text NOT NULL DEFAULT '',
  sequence           integer NOT NULL DEFAULT 0 CHECK (sequence >= 0),
  cancel_reason      text CHECK (length(cancel_reason) <= 1000),
  cancelled_by       text CHECK (cancelled_by IN ('employee', 'counselor', 'operator', 'system')),
  cancelled_at       timestamptz,
  completed_at       timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, employee_user_id) REFERENCES employees(company_id, user_id),
  FOREIGN KEY (company_id, contract_id) REFERENCES contracts(company_id, id),
  CHECK (ends_at > starts_at),
  CHECK (blocked_until >= ends_at),
  CONSTRAINT bookings_counselor_overlap EXCLUDE USING gist
    (counselor_id WITH =, tstzrange(starts_at, blocked_until) WITH &&) WHERE (status = 'confirmed'),
  CONSTRAINT bookings_employee_overlap EXCLUDE USING gist
    (employee_user_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'confirmed')
);
CREATE UNIQUE INDEX bookings_id_key ON bookings (id);
CREATE INDEX bookings_counselor_time_idx ON bookings (counselor_id, starts_at);
CREATE INDEX bookings_employee_time_idx ON bookings (employee_user_id, starts_at);
CREATE INDEX bookings_contract_idx ON bookings (company_id, contract_id) WHERE status <> 'cancelled';

ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;
-- No branch for company_admin: the company never sees individual sessions.
CREATE POLICY party ON bookings USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id())
  OR (app_role() = 'counselor' AND counselor_user_id = app_user_id()));

-- A counsellor may read the user row (the name) of an employee booked with
-- them; the subquery is itself bound by the bookings policy above.
CREATE POLICY booked_employee ON users FOR SELECT USING (
  app_role() = 'counselor'
  AND EXISTS (SELECT 1 FROM bookings b WHERE b.employee_user_id = users.id AND b.counselor_user_id = app_user_id()));

-- The first answer to a write sent with an Idempotency-Key, kept at least
-- 24 hours (housekeeping prunes older rows).
CREATE TABLE idempotency_keys (
  user_id       uuid NOT NULL REFERENCES users(id),
  key           text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash  bytea NOT NULL,
  status_code   integer NOT NULL,
  response      jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY own ON idempotency_keys USING (app_privileged() OR user_id = app_user_id());

-- Employees waiting for an earlier slot of a counsellor; one active entry
-- (not yet notified) per pair.
CREATE TABLE waitlist (
  company_id        uuid NOT NULL REFERENCES companies(id),
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  counselor_id      uuid NOT NULL REFERENCES counselors(id),
  employee_user_id  uuid NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  notified_at       timestamptz,
  PRIMARY KEY (company_id, id),
  FOREIGN KEY (company_id, employee_user_id) REFERENCES employees(company_id, user_id)
);
CREATE UNIQUE INDEX waitlist_active_key ON waitlist (counselor_id, employee_user_id) WHERE notified_at IS NULL;
ALTER TABLE waitlist ENABLE ROW LEVEL SECURITY;
ALTER TABLE waitlist FORCE ROW LEVEL SECURITY;
CREATE POLICY party ON waitlist USING (
  app_privileged()
  OR (app_role() = 'employee' AND employee_user_id = app_user_id() AND company_id = app_company_id()));

GRANT SELECT, INSERT, UPDATE, DELETE ON availability_settings, availability_weekly, availability_overrides,
  bookings, idempotency_keys, waitlist TO taiwa_app;

-- +goose Down
DROP POLICY IF EXISTS booked_employee ON users;
DROP TABLE IF EXISTS waitlist, idempotency_keys, bookings, availability_overrides, availability_weekly, availability_settings;
