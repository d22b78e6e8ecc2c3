package booking_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// visibleUsers is which of ids the principal's scope may read in users.
func visibleUsers(t *testing.T, f *fixture, p auth.Principal, ids ...uuid.UUID) map[uuid.UUID]bool {
	t.Helper()
	seen := map[uuid.UUID]bool{}
	err := f.env.DB.InTx(context.Background(), p.Scope(), func(tx *sqlx.Tx) error {
		for _, id := range ids {
			var n int
			if err := tx.Get(&n, `SELECT count(*) FROM users WHERE id = $1`, id); err != nil {
				return err
			}
			seen[id] = n == 1
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return seen
}

// The users policy's counsellor branch (a function since migration 00017,
// a subquery before): a counsellor reads the user row of an employee booked
// with them, and of nobody else; another counsellor reads neither.
func TestCounselorReadsOnlyTheUserRowsOfEmployeesBookedWithThem(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	booked, other := f.emps[0].UserID, f.emps[1].UserID
	if got := visibleUsers(t, f, f.counselor, booked, other); got[booked] || got[other] {
		t.Fatalf("before any booking the counsellor sees %v", got)
	}
	f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	if got := visibleUsers(t, f, f.counselor, booked, other); !got[booked] || got[other] {
		t.Fatalf("after booking: want only the booked employee, got %v", got)
	}

	stranger := auth.Principal{Role: auth.RoleCounselor}
	exec(t, f.env, `INSERT INTO users (email, name, role) VALUES ('s@counsel.example', '別 相談員', 'counselor')`)
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&stranger.UserID, `SELECT id FROM users WHERE email = 's@counsel.example'`)
	}); err != nil {
		t.Fatal(err)
	}
	if got := visibleUsers(t, f, stranger, booked, other); got[booked] || got[other] {
		t.Fatalf("another counsellor sees %v", got)
	}
	// A colleague in the same company still reads it (the tenant branch).
	if got := visibleUsers(t, f, f.emps[1], booked); !got[booked] {
		t.Fatalf("a colleague in the same company reads the row through the tenant branch: %v", got)
	}
}
