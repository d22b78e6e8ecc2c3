package demo_test

import (
	"context"
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestSeedScaleSessionsAreHeldRecordedRatedAndAddedOnlyOnce(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	d := env.DB
	opts := demo.ScaleOptions{Employees: 200, Sessions: 2000}
	for range 2 { // the second run adds nothing
		if err := demo.SeedScaleWith(ctx, d, opts, quiet); err != nil {
			t.Fatal(err)
		}
	}
	scale := `JOIN companies c ON c.id = b.company_id AND c.name = '` + demo.ScaleCompany + `'`
	if n := count(t, d, `SELECT count(*) FROM bookings b `+scale+` WHERE b.status = 'completed'`); n != 2000 {
		t.Fatalf("%d held scale sessions, want 2000", n)
	}
	records := count(t, d, `SELECT count(*) FROM session_records r JOIN bookings b ON b.id = r.booking_id `+scale)
	if records < 1700 || records > 1900 {
		t.Errorf("%d records of 2000 sessions, want about 90%%", records)
	}
	rated := count(t, d, `SELECT count(*) FROM session_feedback f JOIN bookings b ON b.id = f.booking_id `+scale)
	if rated < 1050 || rated > 1350 {
		t.Errorf("%d ratings of 2000 sessions, want about 60%%", rated)
	}
	// Every session is in the past, within the last 24 months and this
	// month, in Japan's working hours, in its counsellor's themes and
	// formats, counting against the company's contract.
	if n := count(t, d, `SELECT count(*) FROM bookings b `+scale+`
		LEFT JOIN counselors k ON k.id = b.counselor_id
		WHERE b.ends_at > now() OR b.starts_at < date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo') - interval '24 months'
		   OR extract(hour FROM b.starts_at AT TIME ZONE 'Asia/Tokyo') NOT BETWEEN 9 AND 17
		   OR NOT (b.theme = ANY (k.themes)) OR NOT (b.format = ANY (k.formats))
		   OR b.completed_at IS NULL OR b.created_at > b.starts_at
		   OR NOT EXISTS (SELECT 1 FROM contracts x WHERE x.company_id = b.company_id AND x.id = b.contract_id AND x.starts_on <= b.starts_at)
		   OR NOT EXISTS (SELECT 1 FROM employees e WHERE e.company_id = b.company_id AND e.user_id = b.employee_user_id)`); n != 0 {
		t.Errorf("%d scale sessions out of range, hours, counsellor's offer or contract", n)
	}
	if n := count(t, d, `SELECT count(DISTINCT date_trunc('month', b.starts_at AT TIME ZONE 'Asia/Tokyo')) FROM bookings b `+scale); n < 24 {
		t.Errorf("sessions in %d months, want the last 24 and this one", n)
	}
	// Not everyone takes part every month, and some take part often.
	people := count(t, d, `SELECT max(n) FROM (SELECT count(DISTINCT b.employee_user_id) AS n FROM bookings b `+scale+`
		GROUP BY date_trunc('month', b.starts_at AT TIME ZONE 'Asia/Tokyo')) m`)
	if people == 0 || people >= 200 {
		t.Errorf("at most %d of 200 employees take part in a month, want some but not all", people)
	}
	if n := count(t, d, `SELECT count(*) FROM session_records r JOIN bookings b ON b.id = r.booking_id `+scale+`
		WHERE r.risk_level IN ('none', 'low')`); n*10 < records*8 {
		t.Errorf("only %d of %d records at none/low risk", n, records)
	}
	if n := count(t, d, `SELECT count(*) FROM session_records r JOIN bookings b ON b.id = r.booking_id `+scale+`
		WHERE r.risk_level = 'high'`); n == 0 {
		t.Error("no high-risk record")
	}
	if n := count(t, d, `SELECT count(*) FROM session_records r JOIN bookings b ON b.id = r.booking_id `+scale+`
		WHERE cardinality(r.observations) > 0`); n < records/5 {
		t.Errorf("only %d of %d records carry observations", n, records)
	}
	if n := count(t, d, `SELECT count(*) FROM session_records r JOIN bookings b ON b.id = r.booking_id `+scale+`
		WHERE NOT (b.theme = ANY (r.themes)) OR r.locks_at <> r.created_at + interval '7 days' OR r.created_at < b.ends_at`); n != 0 {
		t.Errorf("%d records disagree with their session or edit window", n)
	}
	if n := count(t, d, `SELECT count(*) FROM counselors c JOIN users u ON u.id = c.user_id WHERE u.email LIKE 'scalecounselor%'
		AND rating_count <> (SELECT count(*) FROM session_feedback f WHERE f.counselor_id = c.id)`); n != 0 {
		t.Errorf("%d scale counsellors' rating_count disagrees with their feedback", n)
	}
}
