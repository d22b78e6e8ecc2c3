-- Sessions held in Taiwa's own video room: each party's join and leave
-- times, and the counsellor's no-show (a counsellor who never joined the
-- room by the end plus the grace period), which is never billable.

-- +goose Up
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
  CHECK (status IN ('confirmed', 'completed', 'cancelled', 'late_cancelled', 'no_show', 'counselor_no_show'));

-- A phone session's number, given by the employee at booking: sealed like
-- private notes (AES-256-GCM, bound to the row), shown only to the
-- counsellor around the session, and erased after it (housekeeping).
ALTER TABLE bookings ADD COLUMN phone_sealed bytea;

-- One row per connection of a party to the room; left_at is NULL while
-- connected. The booking's policy decides who sees the rows.
CREATE TABLE session_attendance (
  company_id  uuid NOT NULL,
  booking_id  uuid NOT NULL,
  party       text NOT NULL CHECK (party IN ('employee', 'counselor')),
  joined_at   timestamptz NOT NULL,
  left_at     timestamptz,
  CHECK (left_at IS NULL OR left_at >= joined_at),
  PRIMARY KEY (company_id, booking_id, party, joined_at),
  FOREIGN KEY (company_id, booking_id) REFERENCES bookings(company_id, id) ON DELETE CASCADE
);
CREATE INDEX session_attendance_booking_idx ON session_attendance (booking_id);

ALTER TABLE session_attendance ENABLE ROW LEVEL SECURITY;
ALTER TABLE session_attendance FORCE ROW LEVEL SECURITY;
-- No branch for company_admin: the company never sees who attended. The
-- scope functions are called once per statement (an InitPlan; see 00015).
CREATE POLICY party ON session_attendance USING (
  (SELECT public.app_privileged())
  OR EXISTS (SELECT 1 FROM public.bookings b
             WHERE b.company_id = session_attendance.company_id AND b.id = session_attendance.booking_id
               AND (((SELECT public.app_role()) = 'employee' AND b.employee_user_id = (SELECT public.app_user_id())
                     AND b.company_id = (SELECT public.app_company_id()))
                    OR ((SELECT public.app_role()) = 'counselor' AND b.counselor_user_id = (SELECT public.app_user_id())))));
GRANT SELECT, INSERT, UPDATE, DELETE ON session_attendance TO taiwa_app;

-- +goose Down
DROP TABLE IF EXISTS session_attendance;
ALTER TABLE bookings DROP COLUMN IF EXISTS phone_sealed;
-- The owner is bound by row-level security too; it sees every company as
-- a member of taiwa_system (00015). The session counter's deferred trigger
-- (00016) fires now, so the ALTER below finds no pending trigger event.
SET CONSTRAINTS ALL IMMEDIATE;
UPDATE bookings SET status = 'cancelled', cancelled_by = 'system' WHERE status = 'counselor_no_show';
ALTER TABLE bookings DROP CONSTRAINT bookings_status_check;
ALTER TABLE bookings ADD CONSTRAINT bookings_status_check
  CHECK (status IN ('confirmed', 'completed', 'cancelled', 'late_cancelled', 'no_show'));
