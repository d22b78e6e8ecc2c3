package booking_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// waitForLockWaiters waits until n sessions wait for an advisory lock in
// mode (ShareLock: a slot's shared lock; ExclusiveLock: a counsellor's or
// a slot's exclusive one), or the test's deadline.
func waitForLockWaiters(ctx context.Context, t *testing.T, f *fixture, mode string, n int) {
	t.Helper()
	for {
		var got int
		if err := f.env.DB.GetContext(ctx, &got, `
			SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND NOT l.granted AND l.mode = $1 AND a.datname = current_database()`, mode); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d sessions wait for an advisory %s, want %d", got, mode, n)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// holdFirstBooking books start for f.emps[0] and holds its transaction open
// (after the booking is written, before the commit) until release is
// closed; fail makes it roll back instead. It returns the booking's error.
func holdFirstBooking(ctx context.Context, f *fixture, start time.Time, written chan<- struct{}, release <-chan struct{}, fail bool) <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.BookWithin(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: start, Theme: "career", Format: "video"}, "",
			booking.Within{After: func(ctx context.Context, tx *sqlx.Tx, b booking.Booking) error {
				close(written)
				<-release
				if fail {
					return errors.New("the first racer's own step failed")
				}
				return nil
			}})
		done <- err
	}()
	return done
}

// Racers for a slot that another booking holds wait on the slot's shared
// lock (not one by one on the counsellor's), and all of them are refused
// with 409 once it commits; exactly one booking stands.
func TestRacersForAHeldSlotWaitTogetherAndAreRefusedWhenItCommits(t *testing.T) {
	t.Parallel()
	const racers = 6
	f := newFixture(t, "subscription", racers+1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := jst("2026-03-03T09:00:00")
	written, release := make(chan struct{}), make(chan struct{})
	first := holdFirstBooking(ctx, f, start, written, release, false)
	<-written

	errs := make(chan error, racers)
	for i := 1; i <= racers; i++ {
		go func() {
			_, err := f.book(f.emps[i], "2026-03-03T09:00:00")
			errs <- err
		}()
	}
	waitForLockWaiters(ctx, t, f, "ShareLock", racers)
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("first booking: %v", err)
	}
	for range racers {
		wantErr(t, <-errs, apperr.CodeConflict, "slot_unavailable")
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings WHERE counselor_id = $1 AND starts_at = $2`, f.cid, start); n != 1 {
		t.Fatalf("%d bookings of the slot, want 1", n)
	}
}

// When the booking that holds the slot is refused after all (its own
// rules or a step in its transaction fail), the racers waiting for it go
// on with the slot still free, and exactly one of them gets it.
func TestRacersWaitingForARefusedBookingGoOnAndOneWins(t *testing.T) {
	t.Parallel()
	const racers = 5
	f := newFixture(t, "subscription", racers+1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := jst("2026-03-03T09:00:00")
	written, release := make(chan struct{}), make(chan struct{})
	first := holdFirstBooking(ctx, f, start, written, release, true)
	<-written

	type result struct {
		b   booking.Booking
		err error
	}
	results := make(chan result, racers)
	for i := 1; i <= racers; i++ {
		go func() {
			b, err := f.book(f.emps[i], "2026-03-03T09:00:00")
			results <- result{b, err}
		}()
	}
	waitForLockWaiters(ctx, t, f, "ShareLock", racers)
	close(release)
	if err := <-first; err == nil {
		t.Fatal("the first booking stood although its step failed")
	}
	won := 0
	for range racers {
		r := <-results
		if r.err == nil {
			won++
			if !r.b.Start.Equal(start) {
				t.Fatalf("won %s, want %s", r.b.Start, start)
			}
			continue
		}
		wantErr(t, r.err, apperr.CodeConflict, "slot_unavailable")
	}
	if won != 1 {
		t.Fatalf("%d racers won the freed slot, want exactly 1", won)
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings WHERE counselor_id = $1 AND starts_at = $2`, f.cid, start); n != 1 {
		t.Fatalf("%d bookings of the slot, want 1", n)
	}
}

// A booking's next_available_at follow-up is queued with it and, when
// nobody else holds the counsellor's rows, done by Book itself right after
// the commit: no pending row is left for the worker.
func TestBookRunsItsNextAvailableFollowUpAfterTheCommit(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	b := f.mustBook(t, f.emps[0], "2026-03-02T12:00:00")
	if n := f.count(t, db.System, `SELECT count(*) FROM outbox WHERE kind = $1 AND status = 'done' AND payload->>'counselor_id' = $2`,
		booking.NextAvailableKind, f.cid.String()); n != 1 {
		t.Fatalf("done follow-ups: %d, want 1", n)
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM outbox WHERE kind = $1 AND status = 'pending'`, booking.NextAvailableKind); n != 0 {
		t.Fatalf("pending follow-ups: %d, want 0", n)
	}
	var next time.Time
	if err := f.env.DB.Get(&next, `SELECT next_available_at FROM counselors WHERE id = $1`, f.cid); err != nil {
		t.Fatal(err)
	}
	if !next.After(b.Start) {
		t.Fatalf("next_available_at = %s, want after the booked %s", next, b.Start)
	}
	// The notice and the reminders went in with the booking, once each
	// (twelve hours ahead: no 24-hour reminder).
	if n := f.count(t, db.System, `SELECT count(*) FROM outbox WHERE kind IN ($1, $2) AND payload->>'booking_id' = $3`,
		booking.NotifyKind, booking.ReminderKind, b.ID.String()); n != 4 {
		t.Fatalf("notice and reminder rows: %d, want 4 (notice, 1h, feedback, unconfirmed)", n)
	}
}
