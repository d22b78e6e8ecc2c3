package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// TestWithdrawCancelsOnlyUpcomingConfirmedSessionsAsTheCounsellors: the
// held and the already cancelled stay as they are; each upcoming one is
// cancelled by the counsellor (never late) with a notice queued.
func TestWithdrawCancelsOnlyUpcomingConfirmedSessionsAsTheCounsellors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	up1 := f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	up2 := f.mustBook(t, f.emps[1], "2026-03-02T12:00:00") // inside a late-cancel window for an employee
	gone := f.mustBook(t, f.emps[1], "2026-03-04T09:00:00")
	if _, err := f.svc.Cancel(context.Background(), f.emps[1], gone.ID, ""); err != nil {
		t.Fatal(err)
	}
	op := auth.Principal{Role: auth.RoleOperator}
	if err := f.env.DB.InTx(context.Background(), op.Scope(), func(tx *sqlx.Tx) error {
		_, err := f.svc.WithdrawCounselor(context.Background(), tx, f.emps[0], f.cid)
		return err
	}); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("an employee withdrew a counsellor: %v", err)
	}
	var n int
	err := f.env.DB.InTx(context.Background(), op.Scope(), func(tx *sqlx.Tx) error {
		var err error
		n, err = f.svc.WithdrawCounselor(context.Background(), tx, op, f.cid)
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("withdraw: %d, %v; want 2", n, err)
	}
	for _, b := range []struct {
		id     string
		status string
		by     string
	}{{up1.ID.String(), "cancelled", "counselor"}, {up2.ID.String(), "cancelled", "counselor"}, {gone.ID.String(), "cancelled", "employee"}} {
		var status, by string
		err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
			return tx.QueryRow(`SELECT status, cancelled_by FROM bookings WHERE id = $1`, b.id).Scan(&status, &by)
		})
		if err != nil || status != b.status || by != b.by {
			t.Errorf("booking %s: %s by %s (%v), want %s by %s", b.id, status, by, err, b.status, b.by)
		}
	}
	var notices int
	err = f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&notices, `SELECT count(*) FROM outbox WHERE kind = 'booking.notify' AND payload->>'reason' = 'counselor_withdrawn'`)
	})
	if err != nil || notices != 2 {
		t.Fatalf("%d withdrawal notices (%v), want 2", notices, err)
	}
}

// TestABookingWaitingOnTheCounsellorsLockFindsThemSuspended: a booking that
// read the counsellor as listed and then waited on their lock while a
// suspension committed is refused, so no session slips in beside it.
func TestABookingWaitingOnTheCounsellorsLockFindsThemSuspended(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	holder, err := f.env.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback() }()
	if _, err := holder.Exec(`SELECT set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(`SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1::text, 0))`, f.cid); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.book(f.emps[0], "2026-03-03T09:00:00")
		done <- err
	}()
	// Wait until the booking is queued behind the lock.
	for {
		var waiting int
		if err := holder.Get(&waiting, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the booking finished without waiting on the lock: %v", err)
		case <-ctx.Done():
			t.Fatal("the booking never waited on the counsellor's lock")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := holder.Exec(`UPDATE counselors SET status = 'suspended' WHERE id = $1`, f.cid); err != nil {
		t.Fatal(err)
	}
	if err := holder.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("booking beside a suspension: %v, want not found", err)
		}
	case <-ctx.Done():
		t.Fatal("the booking never finished")
	}
	var n int
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&n, `SELECT count(*) FROM bookings`)
	}); err != nil || n != 0 {
		t.Fatalf("%d bookings (%v), want none", n, err)
	}
}
