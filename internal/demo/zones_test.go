package demo_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
)

// TestSeedDemoHasAnEmployeeInBerlinWithACancelledUpcomingSession: the
// README's zone employee sees Berlin time and has, besides a session to
// come, one still ahead that was cancelled.
func TestSeedDemoHasAnEmployeeInBerlinWithACancelledUpcomingSession(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	if n := count(t, d, `SELECT count(*) FROM users WHERE email = $1 AND timezone = 'Europe/Berlin'`, demo.ZoneEmployee); n != 1 {
		t.Errorf("%s in Berlin: %d", demo.ZoneEmployee, n)
	}
	if n := count(t, d, `SELECT count(*) FROM users WHERE timezone <> 'Asia/Tokyo'`); n != 1 {
		t.Errorf("%d users outside Japan time, want only %s", n, demo.ZoneEmployee)
	}
	for status, want := range map[string]int{"cancelled": 1, "confirmed": 1} {
		n := count(t, d, `SELECT count(*) FROM bookings b JOIN users u ON u.id = b.employee_user_id
			WHERE u.email = $1 AND b.status = $2 AND b.starts_at > now()`, demo.ZoneEmployee, status)
		if n < want {
			t.Errorf("%s upcoming %s sessions: %d", demo.ZoneEmployee, status, n)
		}
	}
}
