package booking_test

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/booking"
)

// BenchmarkSlots computes one counsellor's slots over 14 days: weekdays
// 09:00–12:00 and 13:00–18:00 in Tokyo, two overrides, and 40 sessions
// already booked. Target: p50 ≤ 1 ms (see docs/benchmarks.md).
func BenchmarkSlots(b *testing.B) {
	a := booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 720, HorizonDays: 30, MaxPerDay: 6,
		Overrides: []booking.Override{{Date: "2026-03-05", Available: false}, {Date: "2026-03-07", Start: ptr("10:00"), End: ptr("14:00"), Available: true}}}
	for d := 1; d <= 5; d++ {
		a.Weekly = append(a.Weekly, booking.WeeklyRange{Weekday: d, Start: "09:00", End: "12:00"}, booking.WeeklyRange{Weekday: d, Start: "13:00", End: "18:00"})
	}
	now := jst("2026-03-02T00:00:00")
	var busy []booking.Interval
	for i := range 40 {
		s := now.Add(time.Duration(i)*8*time.Hour + 9*time.Hour)
		busy = append(busy, booking.Interval{Start: s, End: s.Add(time.Hour)})
	}
	from, to := now, now.Add(14*24*time.Hour)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = len(booking.ComputeSlots(a, busy, from, to, now))
	}
	if n == 0 {
		b.Fatal("no slots")
	}
}
