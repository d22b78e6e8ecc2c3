package demo_test

import (
	"testing"
)

func TestSeedDemoRatesMostHeldSessionsAndSealsEmployeesNotes(t *testing.T) {
	t.Parallel()
	d, _ := sealedSeeded(t)
	held := count(t, d, `SELECT count(*) FROM bookings WHERE status = 'completed' AND ends_at < now() - interval '1 day'`)
	rated := count(t, d, `SELECT count(*) FROM session_feedback`)
	if rated < held/2 || rated > held {
		t.Errorf("%d of %d held sessions rated, want most", rated, held)
	}
	if n := count(t, d, `SELECT count(*) FROM session_feedback WHERE satisfaction >= 4`); n < rated*7/10 {
		t.Errorf("only %d of %d ratings are 4 or 5", n, rated)
	}
	if n := count(t, d, `SELECT count(*) FROM counselors c WHERE rating_count <> (SELECT count(*) FROM session_feedback f WHERE f.counselor_id = c.id)`); n != 0 {
		t.Errorf("%d counsellors' rating_count disagrees with their feedback", n)
	}
	if n := count(t, d, `SELECT count(*) FROM employees WHERE report_opt_out`); n != 3 {
		t.Errorf("%d employees opted out, want 3", n)
	}
	if n := count(t, d, `SELECT count(*) FROM employee_notes WHERE position('tw1.' in encode(notes, 'escape')) = 1`); n == 0 {
		t.Error("no sealed employee notes")
	}
}
