package record_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/record"
)

// TestCounsellorReadsOnlyTheAlertsOfTheirOwnRecords: the policy of
// migration 00025 shows a counsellor the alerts raised from their records
// and no one else's; its Down takes exactly that away again.
func TestCounsellorReadsOnlyTheAlertsOfTheirOwnRecords(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 2)
	ctx := context.Background()
	other := auth.Principal{Role: auth.RoleCounselor}
	err := w.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&other.UserID, `INSERT INTO users (email, name, role) VALUES ('o@taiwa.example', '別の 相談員', 'counselor') RETURNING id`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO counselors (user_id, status) VALUES ($1, 'verified')`, other.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO risk_alerts (company_id, booking_id, counselor_id, risk_level, raised_at)
			SELECT company_id, id, counselor_id, 'urgent', $2 FROM bookings WHERE id = $1`, w.bookings[0], time.Now().Add(-2*time.Hour))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := func(p auth.Principal) (own []record.OwnAlert, all int) {
		t.Helper()
		if err := w.env.DB.InTx(ctx, p.Scope(), func(tx *sqlx.Tx) error {
			var err error
			if own, err = record.OwnAlertsTx(ctx, tx, p); err != nil {
				return err
			}
			return tx.Get(&all, `SELECT count(*) FROM risk_alerts`)
		}); err != nil {
			t.Fatal(err)
		}
		return own, all
	}
	if own, all := seen(w.counselor); len(own) != 1 || all != 1 || own[0].BookingID != w.bookings[0] || own[0].Status != "open" || own[0].RiskLevel != "urgent" {
		t.Errorf("the raising counsellor sees %+v (%d rows), want their one open urgent alert", own, all)
	}
	if own, all := seen(other); len(own) != 0 || all != 0 {
		t.Errorf("another counsellor sees %d alerts (%d rows), want none", len(own), all)
	}

	m, err := db.NewMigrator(w.env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, io.Discard, 24); err != nil {
		t.Fatalf("down: %v", err)
	}
	if _, all := seen(w.counselor); all != 0 {
		t.Errorf("after Down the counsellor still reads %d alerts", all)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if _, all := seen(w.counselor); all != 1 {
		t.Errorf("after Up again the counsellor reads %d alerts, want 1", all)
	}
}

// TestUrgentSummaryCountsOpenUrgentAlertsAndThosePastTheHour is the
// operators' count: only open urgent alerts, overdue after the hour.
func TestUrgentSummaryCountsOpenUrgentAlertsAndThosePastTheHour(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 4)
	ctx := context.Background()
	now := time.Now()
	rows := []struct {
		level, status string
		age           time.Duration
	}{
		{"urgent", "open", 2 * time.Hour},    // open, overdue
		{"urgent", "open", 10 * time.Minute}, // open, in time
		{"urgent", "acknowledged", 3 * time.Hour},
		{"high", "open", 5 * time.Hour},
	}
	err := w.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for i, r := range rows {
			if _, err := tx.Exec(`INSERT INTO risk_alerts (company_id, booking_id, counselor_id, risk_level, status, raised_at, acknowledged_at)
				SELECT company_id, id, counselor_id, $2, $3, $4, CASE WHEN $3 = 'acknowledged' THEN $4::timestamptz END FROM bookings WHERE id = $1`,
				w.bookings[i], r.level, r.status, now.Add(-r.age)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	op := auth.Principal{UserID: uuid.New(), Role: auth.RoleOperator}
	var got record.UrgentSummary
	if err := w.env.DB.InTx(ctx, op.Scope(), func(tx *sqlx.Tx) error {
		got, err = record.UrgentTx(ctx, tx, op, now)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got != (record.UrgentSummary{Open: 2, Overdue: 1}) {
		t.Errorf("summary %+v, want 2 open, 1 overdue", got)
	}
}
