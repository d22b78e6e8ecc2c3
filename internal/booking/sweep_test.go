package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

func TestRefreshStaleNextAvailableMovesAPassedSlotForward(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "per_session", 0)
	ctx := context.Background()
	read := func() time.Time {
		var next time.Time
		if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			return tx.Get(&next, `SELECT next_available_at FROM counselors WHERE id = $1`, f.cid)
		}); err != nil {
			t.Fatal(err)
		}
		return next
	}
	first := read()
	if n, err := f.svc.RefreshStaleNextAvailable(ctx); err != nil || n != 0 {
		t.Fatalf("fresh value refreshed: n=%d err=%v", n, err)
	}
	f.clock.Set(first.Add(3 * 24 * time.Hour))
	if n, err := f.svc.RefreshStaleNextAvailable(ctx); err != nil || n != 1 {
		t.Fatalf("stale value: n=%d err=%v", n, err)
	}
	if next := read(); !next.After(f.clock.Now()) {
		t.Fatalf("next_available_at %v not after now %v", next, f.clock.Now())
	}
}
