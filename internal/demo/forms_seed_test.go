package demo_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
)

// TestSeedDemoLeavesASessionToRate: the README's employee has a held
// session waiting for their rating, and the counsellors' rating counts
// still match their ratings.
func TestSeedDemoLeavesASessionToRate(t *testing.T) {
	t.Parallel()
	d, _ := sealedSeeded(t)
	if n := count(t, d, `SELECT count(*) FROM bookings b JOIN users u ON u.id = b.employee_user_id
		WHERE u.email = '`+demo.ToRateEmail+`' AND b.status = 'completed'
		  AND NOT EXISTS (SELECT 1 FROM session_feedback f WHERE f.booking_id = b.id)`); n < 1 {
		t.Errorf("%s has no held session to rate", demo.ToRateEmail)
	}
	if n := count(t, d, `SELECT count(*) FROM counselors c WHERE rating_count <> (SELECT count(*) FROM session_feedback f WHERE f.counselor_id = c.id)`); n != 0 {
		t.Errorf("%d counsellors' rating_count disagrees with their feedback", n)
	}
}
