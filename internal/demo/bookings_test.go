package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
)

func TestSeedDemoGivesEveryCounselorFreeSlotsInTheNextTwoWeeks(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	ctx := context.Background()
	var rows []struct {
		ID   uuid.UUID  `db:"id"`
		Next *time.Time `db:"next_available_at"`
	}
	if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `
			SELECT c.id, c.next_available_at FROM counselors c JOIN users u ON u.id = c.user_id
			WHERE c.status = 'verified' AND u.email LIKE 'counselor%' ORDER BY u.email`)
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 200 {
		t.Fatalf("%d verified demo counsellors, want 200", len(rows))
	}
	// next_available_at was the first free slot when the seed ran (the
	// test may run minutes later, when a slot has fallen inside the
	// minimum notice): ask the slots as of the seed's start and end.
	employee := auth.Principal{UserID: uuid.New(), Role: auth.RoleEmployee}
	first := func(at time.Time, id uuid.UUID) *time.Time {
		svc := &booking.Service{DB: d, Clock: clock.Fixed(at)}
		slots, err := svc.Slots(ctx, employee, id, at, at.Add(14*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(slots) == 0 {
			return nil
		}
		return &slots[0].Start
	}
	for i, c := range rows {
		from, to := first(demoSeededFrom, c.ID), first(demoSeededTo, c.ID)
		if from == nil && to == nil {
			t.Errorf("counselor%03d has no free slot in the next two weeks", i+1)
			continue
		}
		if c.Next == nil || !((from != nil && c.Next.Equal(*from)) || (to != nil && c.Next.Equal(*to))) {
			t.Errorf("counselor%03d next_available_at %v, want the first free slot %v (as the seed began) or %v (as it ended)", i+1, c.Next, from, to)
		}
	}
	if n := count(t, d, `SELECT count(DISTINCT (timezone, slot_minutes, buffer_minutes, max_per_day)) FROM availability_settings`); n < 10 {
		t.Errorf("only %d distinct schedules' settings; want them varied", n)
	}
	if n := count(t, d, `SELECT count(DISTINCT weekly) FROM (
			SELECT string_agg(weekday || start_time::text || end_time::text, ',' ORDER BY weekday, start_time) AS weekly
			FROM availability_weekly GROUP BY counselor_id) w`); n < 8 {
		t.Errorf("only %d distinct weekly patterns; want them varied", n)
	}
}

func TestSeedDemoBookingsCoverTheYearWithEveryOutcome(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	for _, company := range []string{"サンプル商事", "みなと物流"} {
		for _, status := range []string{"completed", "cancelled", "late_cancelled", "no_show"} {
			if n := count(t, d, `SELECT count(*) FROM bookings b JOIN companies c ON c.id = b.company_id
				WHERE c.name = $1 AND b.status = $2 AND b.starts_at < now()`, company, status); n == 0 {
				t.Errorf("%s has no past %s session", company, status)
			}
		}
		if n := count(t, d, `SELECT count(*) FROM bookings b JOIN companies c ON c.id = b.company_id
			WHERE c.name = $1 AND b.status = 'confirmed' AND b.starts_at > now()`, company); n < 50 {
			t.Errorf("%s has %d upcoming sessions, want at least 50", company, n)
		}
		if n := count(t, d, `SELECT count(DISTINCT date_trunc('month', b.starts_at AT TIME ZONE 'Asia/Tokyo'))
			FROM bookings b JOIN companies c ON c.id = b.company_id
			WHERE c.name = $1 AND b.starts_at BETWEEN now() - interval '1 year' AND now()`, company); n < 12 {
			t.Errorf("%s has sessions in %d of the last 12 months", company, n)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM bookings WHERE starts_at < now() - interval '1 year' - interval '1 day'`); n != 0 {
		t.Errorf("%d sessions older than a year", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings
		WHERE status = 'confirmed' AND ends_at < now() AND starts_at > now() - interval '5 days'`); n < 5 {
		t.Errorf("%d held sessions of the last days await their record, want several", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings WHERE status = 'confirmed' AND ends_at < now() - interval '5 days'`); n != 0 {
		t.Errorf("%d old sessions still confirmed", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings
		WHERE (status = 'completed') <> (completed_at IS NOT NULL)
		   OR (status IN ('cancelled', 'late_cancelled')) <> (cancelled_at IS NOT NULL AND cancelled_by IS NOT NULL)
		   OR (status IN ('cancelled', 'late_cancelled') AND sequence < 1)
		   OR (status = 'late_cancelled' AND cancelled_at < starts_at - interval '24 hours')
		   OR (status = 'cancelled' AND cancelled_at >= starts_at - interval '24 hours')
		   OR created_at > starts_at OR NOT (theme = ANY (SELECT unnest(themes) FROM counselors WHERE id = counselor_id))`); n != 0 {
		t.Errorf("%d sessions whose columns contradict their status, times or counsellor", n)
	}
}

func TestSeedDemoFirstFiftyEmployeesHaveAHeldAndAnUpcomingSession(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	for _, domain := range []string{"sample-shoji.example", "minato-logistics.example"} {
		n := count(t, d, `
			SELECT count(*) FROM users u
			WHERE u.email ~ ('^emp00([0-4][0-9]|50)@' || $1 || '$')
			  AND EXISTS (SELECT 1 FROM bookings b WHERE b.employee_user_id = u.id AND b.status = 'completed')
			  AND EXISTS (SELECT 1 FROM bookings b WHERE b.employee_user_id = u.id AND b.status = 'confirmed' AND b.starts_at > now())`,
			domain)
		if n != 50 {
			t.Errorf("%s: %d of emp0001–emp0050 have a held and an upcoming session, want 50", domain, n)
		}
	}
}

func TestSeedDemoBookingsNeverOverlapAndSendNoMail(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	// Held and upcoming sessions alike: the exclusion constraints only
	// guard confirmed rows, the demo keeps all of them apart.
	if n := count(t, d, `SELECT count(*) FROM bookings a JOIN bookings b ON a.counselor_id = b.counselor_id AND a.id < b.id
		WHERE a.status NOT IN ('cancelled', 'late_cancelled') AND b.status NOT IN ('cancelled', 'late_cancelled')
		  AND tstzrange(a.starts_at, a.blocked_until) && tstzrange(b.starts_at, b.blocked_until)`); n != 0 {
		t.Errorf("%d pairs of a counsellor's sessions overlap", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings a JOIN bookings b ON a.employee_user_id = b.employee_user_id AND a.id < b.id
		WHERE tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)`); n != 0 {
		t.Errorf("%d pairs of an employee's sessions overlap", n)
	}
	if n := count(t, d, `SELECT count(*) FROM outbox WHERE kind LIKE 'booking.%' OR kind = 'mail.send'`); n != 0 {
		t.Errorf("seeding queued %d notifications", n)
	}
}
