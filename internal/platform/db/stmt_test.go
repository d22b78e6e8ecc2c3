package db_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// Every connection of the pool held by a transaction that asks for a new
// statement at once: preparing must not wait for a free connection while
// holding one, or nothing ever finishes.
func TestStmtDoesNotDeadlockWhenEveryConnectionIsHeld(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const held = 20 // db.Open's MaxOpenConns
	var all sync.WaitGroup
	errs := make(chan error, 4*held)
	for i := range 4 * held {
		all.Go(func() {
			errs <- env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
				var n int
				return env.DB.Stmt(ctx, tx, `SELECT $1::int + 1`).GetContext(ctx, &n, i)
			})
		})
	}
	all.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A hot statement answers the same before and after it is prepared, and
// it ends up prepared on the connection (PostgreSQL lists it in
// pg_prepared_statements) instead of being parsed on every call.
func TestStmtEndsUpPreparedOnTheConnection(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const q = `SELECT $1::int * 2`
	for {
		var doubled, prepared int
		err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			if err := env.DB.Stmt(ctx, tx, q).GetContext(ctx, &doubled, 21); err != nil {
				return err
			}
			return tx.GetContext(ctx, &prepared, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, q)
		})
		if err != nil {
			t.Fatal(err)
		}
		if doubled != 42 {
			t.Fatalf("got %d, want 42", doubled)
		}
		if prepared == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatal("the statement was never prepared on a connection")
		case <-time.After(10 * time.Millisecond): // poll, not a timed assertion
		}
	}
}
