package demo_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/record"
)

func TestSeedDemoRecordsTellAStoryAndTheirNotesOpen(t *testing.T) {
	t.Parallel()
	d, keys := sealedSeeded(t)
	if n := count(t, d, `SELECT count(*) FROM session_records`); n < 300 {
		t.Fatalf("%d records", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings b JOIN session_records r ON r.booking_id = b.id WHERE b.status <> 'completed'`); n != 0 {
		t.Fatalf("%d records of sessions not completed (the held-awaiting ones must stay without)", n)
	}
	if n := count(t, d, `SELECT count(*) FROM bookings WHERE status = 'confirmed' AND starts_at < now()`); n < 8 {
		t.Fatalf("%d held sessions awaiting records", n)
	}
	low := count(t, d, `SELECT count(*) FROM session_records WHERE risk_level IN ('none', 'low')`)
	all := count(t, d, `SELECT count(*) FROM session_records`)
	if low*10 < all*7 {
		t.Fatalf("only %d of %d records at none/low risk", low, all)
	}
	if n := count(t, d, `SELECT count(*) FROM risk_alerts WHERE status = 'open' AND risk_level = 'urgent'`); n != 1 {
		t.Fatalf("%d open urgent alerts", n)
	}
	if n := count(t, d, `SELECT count(*) FROM users WHERE email = $1 AND clinical_lead`, demo.OperatorEmail); n != 1 {
		t.Fatal("the operator is not the clinical lead")
	}
	if n := count(t, d, `SELECT count(*) FROM session_records r JOIN employees e ON e.user_id = r.employee_user_id
		JOIN departments dp ON dp.id = e.department_id WHERE dp.path LIKE '営業部%' AND 'workload' = ANY (r.observations)`); n < 10 {
		t.Fatalf("%d workload observations in 営業部", n)
	}
	var rows []struct {
		C uuid.UUID `db:"company_id"`
		B uuid.UUID `db:"booking_id"`
		N []byte    `db:"private_notes"`
	}
	err := d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&rows, `SELECT company_id, booking_id, private_notes FROM session_records WHERE private_notes IS NOT NULL`)
	})
	if err != nil || len(rows) < 50 {
		t.Fatalf("%d sealed notes, %v", len(rows), err)
	}
	for _, r := range rows {
		if _, err := keys.Open(r.N, record.NotesAAD(r.C, r.B)); err != nil {
			t.Fatalf("demo note of %s does not open: %v", r.B, err)
		}
	}
}
