package record_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
	"github.com/taiwa/taiwa/internal/record"
)

// world is a company with employees, a counsellor and held sessions.
type world struct {
	env       *dbtest.Env
	companyID uuid.UUID
	counselor auth.Principal
	bookings  []uuid.UUID
}

func newWorld(t testing.TB, sessions int) world {
	t.Helper()
	w := world{env: dbtest.New(t)}
	ctx := context.Background()
	err := w.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		w.companyID = dbtest.Company(t, tx, dbtest.Name("サンプル商事"))
		var cid uuid.UUID
		w.counselor, cid = dbtest.Counsellor(t, tx, "c@taiwa.example", dbtest.VerifiedAt(nil))
		for i := range sessions {
			var b uuid.UUID
			emp := dbtest.Employee(t, tx, w.companyID, fmt.Sprintf("e%d@sample.example", i)).UserID
			start := time.Now().Add(-time.Duration(i+2) * time.Hour)
			if err := tx.Get(&b, `INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, status)
				VALUES ($1, $2, $3, $4, $5, $5::timestamptz + interval '50 minutes', $5::timestamptz + interval '50 minutes', 'career', 'video', 'completed') RETURNING id`,
				w.companyID, emp, cid, w.counselor.UserID, start); err != nil {
				return err
			}
			w.bookings = append(w.bookings, b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func note(i int) string { return fmt.Sprintf("ノート %d MARKER", i) }

func TestRotationResealsEveryValueUnderTheNewKeyAndTheyStillOpen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 5)
	a, b := sealtest.Key(t, "A"), sealtest.Key(t, "B")
	svc := &record.Service{DB: w.env.DB, Keys: sealtest.Ring(t, a)}
	for i, id := range w.bookings {
		if _, err := svc.Save(ctx, w.counselor, id, record.Input{Themes: []string{"career"}, RiskLevel: "low", PrivateNotes: new(note(i))}); err != nil {
			t.Fatal(err)
		}
	}
	// Two amendments on the first record (after the lock), and employees' own notes.
	later := *svc
	later.Clock = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	for j := range 2 {
		if _, err := later.Save(ctx, w.counselor, w.bookings[0], record.Input{Themes: []string{"career"}, RiskLevel: "none",
			PrivateNotes: new(note(100 + j))}); err != nil {
			t.Fatal(err)
		}
	}
	err := w.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for _, id := range w.bookings[:3] {
			sealed, err := svc.Keys.Seal([]byte("自分のメモ"), record.EmployeeNotesAAD(w.companyID, id))
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO employee_notes (company_id, booking_id, employee_user_id, notes)
				SELECT company_id, id, employee_user_id, $2 FROM bookings WHERE id = $1`, id, sealed); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Rotate to B, keeping A to open the old values; two rows per batch.
	svc.Keys = sealtest.Ring(t, b, a)
	var progress bytes.Buffer
	res, err := svc.RotateKeys(ctx, record.RotateOptions{Batch: 2, Progress: &progress})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"session_records": 5, "session_record_amendments": 2, "employee_notes": 3}
	if res.Resealed != 10 || fmt.Sprint(res.ByTable) != fmt.Sprint(want) || res.Unreadable != 0 {
		t.Fatalf("rotation: %+v, want %v\n%s", res, want, progress.String())
	}
	var stale int
	owner := w.env.DB
	err = owner.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&stale, `SELECT (SELECT count(*) FROM session_records WHERE substring(private_notes FROM 1 FOR 6) <> 'tw1.B.')
			+ (SELECT count(*) FROM session_record_amendments WHERE substring(private_notes FROM 1 FOR 6) <> 'tw1.B.')
			+ (SELECT count(*) FROM employee_notes WHERE substring(notes FROM 1 FOR 6) <> 'tw1.B.')`)
	})
	if err != nil || stale != 0 {
		t.Fatalf("values not under B: %d, %v", stale, err)
	}
	// Idempotent: a second run finds nothing to do.
	if res, err := svc.RotateKeys(ctx, record.RotateOptions{}); err != nil || res.Resealed != 0 {
		t.Fatalf("second rotation: %+v, %v", res, err)
	}
	// With B alone, everything opens.
	svc.Keys = sealtest.Ring(t, b)
	for i, id := range w.bookings {
		rec, err := svc.Get(ctx, w.counselor, id)
		want := note(i)
		if i == 0 {
			want = note(101)
		}
		if err != nil || rec.NotesUnreadable || rec.PrivateNotes == nil || *rec.PrivateNotes != want {
			t.Fatalf("record %d under B alone: %+v, %v", i, rec, err)
		}
	}
	err = owner.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var rows []struct {
			C uuid.UUID `db:"company_id"`
			B uuid.UUID `db:"booking_id"`
			N []byte    `db:"notes"`
		}
		if err := tx.Select(&rows, `SELECT company_id, booking_id, notes FROM employee_notes`); err != nil {
			return err
		}
		for _, r := range rows {
			if p, err := svc.Keys.Open(r.N, record.EmployeeNotesAAD(r.C, r.B)); err != nil || string(p) != "自分のメモ" {
				return fmt.Errorf("employee note %s: %q %v", r.B, p, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRotationLeavesAValueNoKeyOpensAndCountsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 2)
	lost, b := sealtest.Key(t, "lost"), sealtest.Key(t, "B")
	svc := &record.Service{DB: w.env.DB, Keys: sealtest.Ring(t, lost)}
	for i, id := range w.bookings {
		if _, err := svc.Save(ctx, w.counselor, id, record.Input{Themes: []string{"career"}, RiskLevel: "low", PrivateNotes: new(note(i))}); err != nil {
			t.Fatal(err)
		}
	}
	// The key "lost" is gone: its values cannot be re-sealed, are counted
	// and left as they are (never destroyed), and reads do not fail.
	svc.Keys = sealtest.Ring(t, b)
	res, err := svc.RotateKeys(ctx, record.RotateOptions{Batch: 1})
	if err != nil || res.Resealed != 0 || res.Unreadable != 2 {
		t.Fatalf("rotation without the old key: %+v, %v", res, err)
	}
	rec, err := svc.Get(ctx, w.counselor, w.bookings[0])
	if err != nil || !rec.NotesUnreadable || rec.PrivateNotes != nil {
		t.Fatalf("unreadable record: %+v, %v", rec, err)
	}
}
