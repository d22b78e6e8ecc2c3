package web

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/booking"
)

// TestSlotsByDayGroupsByTheViewersCalendarDay: slots either side of
// midnight in Tokyo fall on different days there, though on one UTC day,
// and a London viewer sees them on one day.
func TestSlotsByDayGroupsByTheViewersCalendarDay(t *testing.T) {
	t.Parallel()
	at := func(s string) booking.Slot {
		st, _ := time.Parse(time.RFC3339, s)
		return booking.Slot{Start: st, End: st.Add(50 * time.Minute)}
	}
	slots := []booking.Slot{at("2026-03-02T15:30:00Z"), at("2026-03-02T14:00:00Z"), at("2026-03-02T16:30:00Z")}
	for _, tc := range []struct {
		zone string
		want []int
	}{
		{"Asia/Tokyo", []int{1, 2}},
		{"Europe/London", []int{3}},
	} {
		days := slotsByDay(slots, loadZone(tc.zone))
		if len(days) != len(tc.want) {
			t.Fatalf("%s: %d days, want %d", tc.zone, len(days), len(tc.want))
		}
		for i, d := range days {
			if len(d.Slots) != tc.want[i] {
				t.Errorf("%s day %d: %d slots, want %d", tc.zone, i, len(d.Slots), tc.want[i])
			}
			for j := 1; j < len(d.Slots); j++ {
				if !d.Slots[j-1].Start.Before(d.Slots[j].Start) {
					t.Errorf("%s day %d not in order", tc.zone, i)
				}
			}
		}
	}
	if d := slotsByDay(slots, loadZone("Asia/Tokyo")); d[1].Day.Format("2006-01-02") != "2026-03-03" {
		t.Errorf("second Tokyo day %s", d[1].Day)
	}
}

// TestSplitBookingsKeepsOnlyLiveConfirmedSessionsUpcoming and caps the past.
func TestSplitBookingsKeepsOnlyLiveConfirmedSessionsUpcoming(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	mk := func(startMin int, status string) booking.Booking {
		s := now.Add(time.Duration(startMin) * time.Minute)
		return booking.Booking{Start: s, End: s.Add(50 * time.Minute), Status: status}
	}
	up, past := splitBookings([]booking.Booking{
		mk(120, booking.StatusConfirmed), mk(-30, booking.StatusConfirmed), mk(-60, booking.StatusConfirmed),
		mk(60, booking.StatusCancelled), mk(-600, booking.StatusCompleted),
	}, now)
	if len(up) != 2 || !up[0].Start.Equal(now.Add(-30*time.Minute)) || !up[1].Start.Equal(now.Add(120*time.Minute)) {
		t.Errorf("upcoming %+v", up)
	}
	if len(past) != 3 || !past[0].Start.Equal(now.Add(60*time.Minute)) || past[2].Status != booking.StatusCompleted {
		t.Errorf("past %+v", past)
	}
	many := make([]booking.Booking, pastShown+7)
	if kept, more := capPast(many); len(kept) != pastShown || more != 7 {
		t.Errorf("capPast: %d kept, %d more", len(kept), more)
	}
	if kept, more := capPast(many[:3]); len(kept) != 3 || more != 0 {
		t.Errorf("capPast of 3: %d kept, %d more", len(kept), more)
	}
}

func TestStepLinkCarriesOnlyAValidProgrammeStep(t *testing.T) {
	t.Parallel()
	step := "0b7f4c1e-5d3a-4f2e-9a61-2c8d7e6f5a4b"
	cases := []struct{ path, in, want string }{
		{"/counselors?theme=career&step=" + step, "/counselors/x", "/counselors/x?step=" + step},
		{"/counselors/x?step=" + step, "/counselors/x/book?start=2026", "/counselors/x/book?start=2026&step=" + step},
		{"/counselors?step=not-a-uuid", "/counselors/x", "/counselors/x"},
		{"/counselors?step=%22%3E%3Cscript%3E", "/counselors/x", "/counselors/x"},
		{"/counselors", "/counselors/x", "/counselors/x"},
	}
	for _, tc := range cases {
		v := Format{path: tc.path}
		if got := v.StepLink(tc.in); got != tc.want {
			t.Errorf("StepLink(%q) on %q = %q, want %q", tc.in, tc.path, got, tc.want)
		}
	}
}
