package booking_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Service.Slots reads the schedule in one statement of its own; it must
// give what the schedule as GetAvailability reads it gives to ComputeSlots:
// custom settings, a closed day, an extra opening and a booking with its
// buffer all taken into account.
func TestSlotsReadTheSameScheduleAsGetAvailability(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	ctx := context.Background()
	a, err := f.svc.GetAvailability(ctx, f.counselor)
	if err != nil {
		t.Fatal(err)
	}
	a.SlotMinutes, a.BufferMinutes, a.MaxPerDay = 40, 20, 5
	start, end := "10:00", "12:00"
	a.Overrides = []booking.Override{
		{Date: "2026-03-04", Available: false},                          // Wednesday closed
		{Date: "2026-03-07", Start: &start, End: &end, Available: true}, // Saturday morning open
	}
	if _, err := f.svc.SetAvailability(ctx, f.counselor, a); err != nil {
		t.Fatal(err)
	}
	b := f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	from, to := jst("2026-03-02T00:00:00"), jst("2026-03-09T00:00:00")
	got, err := f.svc.Slots(ctx, f.emps[1], f.cid, from, to)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.svc.GetAvailability(ctx, f.counselor)
	if err != nil {
		t.Fatal(err)
	}
	busy := []booking.Interval{{Start: b.Start, End: b.End.Add(time.Duration(stored.BufferMinutes) * time.Minute)}}
	want := booking.ComputeSlots(stored, busy, from, to, f.clock.Now())
	if len(got) == 0 || !slices.EqualFunc(got, want, func(x, y booking.Slot) bool { return x.Start.Equal(y.Start) && x.End.Equal(y.End) }) {
		t.Fatalf("slots:\n got %v\nwant %v", got, want)
	}
	for _, s := range got {
		if d := s.Start.In(jst0()).Format(time.DateOnly); d == "2026-03-04" {
			t.Fatalf("slot on the closed day: %v", s)
		}
	}
	_, err = f.svc.Slots(ctx, f.emps[1], f.emps[0].UserID, from, to) // not a counsellor's id
	wantErr(t, err, apperr.CodeNotFound, "")
}

func jst0() *time.Location { return time.FixedZone("JST", 9*3600) }
