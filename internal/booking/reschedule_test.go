package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

func TestRescheduleToTheSameStartChangesNothingAndQueuesNoMail(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	const outbox = `SELECT count(*) FROM outbox`
	const row = `SELECT count(*) FROM bookings WHERE id = $1 AND sequence = 0 AND starts_at = $2 AND ends_at = $3 AND updated_at = $4`
	queued := f.count(t, db.System, outbox)
	f.clock.Add(time.Hour) // a change would stamp updated_at with the new time

	// The same instant, written in another zone, by either party.
	same := b.Start.In(time.FixedZone("PST", -8*60*60))
	for _, who := range []string{"employee", "counsellor"} {
		actor := f.emps[0]
		if who == "counsellor" {
			actor = f.counselor
		}
		got, err := f.svc.Reschedule(ctx, actor, b.ID, same)
		if err != nil {
			t.Fatalf("%s: reschedule to the same start: %v", who, err)
		}
		if got.ID != b.ID || !got.Start.Equal(b.Start) || !got.End.Equal(b.End) || got.Sequence != 0 ||
			got.Status != b.Status || !got.UpdatedAt.Equal(b.UpdatedAt) {
			t.Errorf("%s: answered %+v, want the booking as it was %+v", who, got, b)
		}
		if c := f.count(t, db.System, row, b.ID, b.Start, b.End, b.UpdatedAt); c != 1 {
			t.Errorf("%s: the booking row changed", who)
		}
		if c := f.count(t, db.System, outbox); c != queued {
			t.Errorf("%s: %d outbox rows queued, want none", who, c-queued)
		}
	}

	// A real move still bumps the sequence and queues its notice, so the
	// counts above could have seen one.
	moved, err := f.svc.Reschedule(ctx, f.emps[0], b.ID, jst("2026-03-04T10:00:00"))
	if err != nil || moved.Sequence != 1 {
		t.Fatalf("reschedule: %+v %v", moved, err)
	}
	if c := f.count(t, db.System, `SELECT count(*) FROM outbox WHERE kind = 'booking.notify' AND payload->>'event' = 'rescheduled'`); c != 1 {
		t.Errorf("%d rescheduled notices after a real move, want 1", c)
	}
	if c := f.count(t, db.System, outbox); c <= queued {
		t.Errorf("a real move queued nothing")
	}
}

func TestRescheduleToTheSameStartOfAClosedBookingIsStillRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	if _, err := f.svc.Cancel(ctx, f.emps[0], b.ID, ""); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Reschedule(ctx, f.emps[0], b.ID, b.Start)
	wantErr(t, err, apperr.CodeConflict, "booking_not_confirmed")
	c := f.mustBook(t, f.emps[0], "2026-03-05T09:00:00")
	f.clock.Set(jst("2026-03-05T09:05:00"))
	_, err = f.svc.Reschedule(ctx, f.emps[0], c.ID, c.Start)
	wantErr(t, err, apperr.CodeConflict, "booking_started")
}
