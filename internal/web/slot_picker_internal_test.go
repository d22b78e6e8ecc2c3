package web

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/booking"
)

// TestWeekOfAndAddDaysKeepWallClockAcrossDST: weeks start on Monday at
// local midnight, and a day is a calendar day (23 or 25 hours across a
// switch), in zones with and without DST.
func TestWeekOfAndAddDaysKeepWallClockAcrossDST(t *testing.T) {
	t.Parallel()
	berlin, tokyo, ny := loadZone("Europe/Berlin"), loadZone("Asia/Tokyo"), loadZone("America/New_York")
	for _, tc := range []struct {
		name string
		at   time.Time
		loc  *time.Location
		week string // Monday, RFC 3339 in loc
		days []string
	}{
		{"Berlin, spring forward", time.Date(2027, 3, 28, 12, 0, 0, 0, time.UTC), berlin, "2027-03-22T00:00:00+01:00",
			[]string{"2027-03-28T00:00:00+01:00", "2027-03-29T00:00:00+02:00"}},
		{"Berlin, fall back", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), berlin, "2026-10-19T00:00:00+02:00",
			[]string{"2026-10-25T00:00:00+02:00", "2026-10-26T00:00:00+01:00"}},
		{"Tokyo, Monday itself", time.Date(2027, 3, 21, 15, 0, 0, 0, time.UTC), tokyo, "2027-03-22T00:00:00+09:00",
			[]string{"2027-03-28T00:00:00+09:00", "2027-03-29T00:00:00+09:00"}},
		{"New York, Sunday late", time.Date(2027, 3, 15, 3, 0, 0, 0, time.UTC), ny, "2027-03-08T00:00:00-05:00",
			[]string{"2027-03-14T00:00:00-05:00", "2027-03-15T00:00:00-04:00"}},
	} {
		w := weekOf(tc.at, tc.loc)
		if got := w.Format(time.RFC3339); got != tc.week {
			t.Errorf("%s: week %s, want %s", tc.name, got, tc.week)
		}
		for i, want := range tc.days {
			if got := addDays(w, 6+i).Format(time.RFC3339); got != want {
				t.Errorf("%s: day %d is %s, want %s", tc.name, 6+i, got, want)
			}
		}
	}
}

// TestSplitCancelledKeepsFutureCancellationsOutOfThePast: cancelled and
// late-cancelled sessions still ahead leave the past list, soonest first;
// past cancellations and held sessions stay.
func TestSplitCancelledKeepsFutureCancellationsOutOfThePast(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, 3, 23, 0, 0, 0, 0, time.UTC)
	mk := func(h int, status string) booking.Booking {
		s := now.Add(time.Duration(h) * time.Hour)
		return booking.Booking{Start: s, End: s.Add(50 * time.Minute), Status: status}
	}
	past := []booking.Booking{ // newest first, as splitBookings leaves it
		mk(72, booking.StatusLateCancelled), mk(24, booking.StatusCancelled), mk(-1, booking.StatusCancelled),
		mk(-24, booking.StatusCompleted), mk(-48, booking.StatusNoShow),
	}
	cancelled, rest := splitCancelled(past, now)
	if len(cancelled) != 2 || !cancelled[0].Start.Equal(now.Add(24*time.Hour)) || cancelled[1].Status != booking.StatusLateCancelled {
		t.Errorf("cancelled %+v", cancelled)
	}
	if len(rest) != 3 || !rest[0].Start.Equal(now.Add(-time.Hour)) {
		t.Errorf("rest %+v", rest)
	}
}
