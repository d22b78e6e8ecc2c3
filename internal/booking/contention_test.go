package booking_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// cappedFixture is a fixture whose company is on a trial of cap sessions.
func cappedFixture(t *testing.T, employees, cap int) *fixture {
	t.Helper()
	f := newFixture(t, "", employees)
	exec(t, f.env, `INSERT INTO plans (code, name_ja, name_en, kind, is_trial, session_cap) VALUES ('trial_cap', 'お試し', 'Trial', 'per_session', true, $1)`, cap)
	exec(t, f.env, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, 'trial_cap', 10, '2026-01-01', 'trial')`, f.companyID)
	return f
}

// used is the contract's counter next to what it counts.
func (f *fixture) used(t *testing.T) (counter, counted int) {
	t.Helper()
	counter = f.count(t, db.System, `SELECT sessions_used FROM contracts WHERE company_id = $1`, f.companyID)
	counted = f.count(t, db.System, `SELECT count(*) FROM bookings WHERE company_id = $1 AND status <> 'cancelled'`, f.companyID)
	return counter, counted
}

func TestPlanCapHoldsWhenEmployeesRaceForTheLastSessions(t *testing.T) {
	t.Parallel()
	const racers, capSessions = 8, 3
	f := cappedFixture(t, racers, capSessions)
	f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	// Every racer asks for a different free slot, so only the cap can
	// refuse them. The counsellor's booking lock is held until all of them
	// wait for it: each has then passed the early check of the counter, and
	// only the conditional increment at commit decides.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	holder, err := f.env.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback() }()
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1::text, 0))`, f.cid); err != nil {
		t.Fatal(err)
	}
	starts := []string{"2026-03-03T10:00:00", "2026-03-03T11:00:00", "2026-03-03T13:00:00", "2026-03-03T14:00:00",
		"2026-03-04T09:00:00", "2026-03-04T10:00:00", "2026-03-04T11:00:00", "2026-03-04T13:00:00"}
	var (
		wg               sync.WaitGroup
		mu               sync.Mutex
		won, capped, oth int
	)
	for i, emp := range f.emps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.book(emp, starts[i])
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				won++
				return
			}
			if e, ok := apperr.As(err); ok && e.APICode() == "plan_exhausted" && e.Code == apperr.CodeUnprocessable {
				capped++
				return
			}
			oth++
			t.Errorf("racer %d: %v", i, err)
		}()
	}
	for {
		var waiting int
		if err := f.env.DB.System().GetContext(ctx, &waiting, `
			SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`); err != nil {
			t.Fatal(err)
		}
		if waiting == racers {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d racers reached the counsellor's lock", waiting, racers)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if won != capSessions-1 || capped != racers-won || oth != 0 {
		t.Fatalf("won %d, refused for the cap %d, other %d; want %d won and the rest refused", won, capped, oth, capSessions-1)
	}
	if counter, counted := f.used(t); counter != capSessions || counted != capSessions {
		t.Fatalf("sessions_used = %d, bookings counted = %d, want %d", counter, counted, capSessions)
	}
}

func TestSessionCounterFollowsEveryChangeWhoeverMakesIt(t *testing.T) {
	t.Parallel()
	f := cappedFixture(t, 3, 10)
	a := f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	b := f.mustBook(t, f.emps[1], "2026-03-03T10:00:00")
	c := f.mustBook(t, f.emps[2], "2026-03-03T11:00:00")
	// A counsellor's scope cannot see the company's contract; the counter
	// follows anyway.
	coScope := db.Scope{Role: "counselor", UserID: f.counselor.UserID}
	steps := []struct {
		name  string
		scope db.Scope
		sql   string
		args  []any
		want  int
	}{
		{"three bookings", db.System, `SELECT 1`, nil, 3},
		{"completed still counts", db.System, `UPDATE bookings SET status = 'completed', completed_at = now() WHERE id = $1`, []any{a.ID}, 3},
		{"late cancellation still counts", db.System, `UPDATE bookings SET status = 'late_cancelled', cancelled_at = now(), cancelled_by = 'employee' WHERE id = $1`, []any{b.ID}, 3},
		{"timely cancellation by the counsellor releases", coScope, `UPDATE bookings SET status = 'cancelled', cancelled_at = now(), cancelled_by = 'counselor' WHERE id = $1`, []any{c.ID}, 2},
		{"a change that is not a status leaves it", db.System, `UPDATE bookings SET meeting_url = 'x' WHERE id = $1`, []any{a.ID}, 2},
		{"a booking written by SQL (seed, fixtures) counts", db.System, `WITH n AS (
			INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, contract_id, starts_at, ends_at, blocked_until, theme, format)
			SELECT company_id, employee_user_id, counselor_id, counselor_user_id, contract_id, starts_at + interval '7 days', ends_at + interval '7 days', blocked_until + interval '7 days', theme, format
			FROM bookings WHERE id = $1 RETURNING id)
			SELECT 1 FROM n`, []any{a.ID}, 3},
	}
	for _, s := range steps {
		if err := f.env.DB.InTx(context.Background(), s.scope, func(tx *sqlx.Tx) error {
			res, err := tx.Exec(s.sql, s.args...)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				t.Errorf("%s: %d rows changed, want 1", s.name, n)
			}
			return nil
		}); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if counter, counted := f.used(t); counter != s.want || counted != s.want {
			t.Errorf("%s: sessions_used = %d, bookings counted = %d, want %d", s.name, counter, counted, s.want)
		}
	}
	// The service's own cancel releases too.
	exec(t, f.env, `UPDATE bookings SET status = 'confirmed', cancelled_at = NULL, cancelled_by = NULL WHERE id = $1`, c.ID)
	if _, err := f.svc.Cancel(context.Background(), f.emps[2], c.ID, ""); err != nil {
		t.Fatal(err)
	}
	if counter, counted := f.used(t); counter != counted || counter != 3 {
		t.Errorf("after Cancel: sessions_used = %d, bookings counted = %d, want 3", counter, counted)
	}
}

// While another writer holds the counsellor's recommender row (the search
// index handler's write reaches it through a trigger), a booking neither
// waits nor fails: next_available_at follows through the outbox.
func TestBookingDoesNotWaitOnTheCounsellorsRowsAndNextAvailableFollows(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var first time.Time
	if err := f.env.DB.GetContext(ctx, &first, `SELECT next_available_at FROM counselors WHERE id = $1`, f.cid); err != nil {
		t.Fatal(err)
	}
	holder, err := f.env.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback() }()
	if _, err := holder.ExecContext(ctx, `SELECT set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, `SELECT 1 FROM counselor_match WHERE counselor_id = $1 FOR UPDATE`, f.cid); err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Book(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: first, Theme: "career", Format: "video"}, "")
	if err != nil {
		t.Fatalf("book while the counsellor's row is held: %v (a wait would end at the test's deadline)", err)
	}
	var payload json.RawMessage
	if err := f.env.DB.GetContext(ctx, &payload, `SELECT payload FROM outbox WHERE kind = $1 AND status = 'pending'`, booking.NextAvailableKind); err != nil {
		t.Fatalf("no follow-up row for next_available_at: %v", err)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{DB: f.env.DB, Log: slog.New(slog.DiscardHandler), Handlers: map[string]outbox.Handler{
		booking.NextAvailableKind: f.svc.HandleNextAvailable,
	}}
	if _, err := w.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM outbox WHERE kind = $1 AND status = 'done'`, booking.NextAvailableKind); n != 1 {
		t.Fatalf("follow-up rows done: %d, want 1", n)
	}
	var next time.Time
	if err := f.env.DB.GetContext(ctx, &next, `SELECT next_available_at FROM counselors WHERE id = $1`, f.cid); err != nil {
		t.Fatal(err)
	}
	if !next.After(b.Start) {
		t.Fatalf("next_available_at = %s, want after the booked %s", next, b.Start)
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM counselor_match WHERE counselor_id = $1 AND next_available_at = $2`, f.cid, next); n != 1 {
		t.Fatalf("the recommender's copy did not follow next_available_at")
	}
}

// Migration 00016 fills the counter from the bookings already there.
func TestMigrationBackfillsTheSessionCounter(t *testing.T) {
	t.Parallel()
	f := cappedFixture(t, 3, 10)
	f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	f.mustBook(t, f.emps[1], "2026-03-03T10:00:00")
	gone := f.mustBook(t, f.emps[2], "2026-03-03T11:00:00")
	if _, err := f.svc.Cancel(context.Background(), f.emps[2], gone.ID, ""); err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(f.env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(context.Background(), io.Discard, 15); err != nil {
		t.Fatal(err)
	}
	if err := m.Up(context.Background(), io.Discard); err != nil {
		t.Fatal(err)
	}
	if counter, counted := f.used(t); counter != 2 || counted != 2 {
		t.Fatalf("after the migration: sessions_used = %d, bookings counted = %d, want 2", counter, counted)
	}
}
