package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// EnqueueRows writes every row in one statement with Enqueue's meaning
// per row: a due time when given (now otherwise), a dedupe key that drops
// a second row, no key for rows without one.
func TestEnqueueRowsKeepsDueTimesAndDropsDuplicateKeys(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	later := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	enqueue(t, env, "rows.test", 0, "taken")
	err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return outbox.EnqueueRows(ctx, tx, []outbox.Row{
			{Kind: "rows.test", Payload: item{N: 1}},
			{Kind: "rows.test", Payload: item{N: 2}, DedupeKey: "k2", At: later},
			{Kind: "rows.test", Payload: item{N: 3}, DedupeKey: "taken"},
			{Kind: "rows.test", Payload: item{N: 4}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		N     int        `db:"n"`
		Key   *string    `db:"dedupe_key"`
		Later bool       `db:"later"`
		At    *time.Time `db:"at"`
	}
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&rows, `SELECT (payload->>'n')::int AS n, dedupe_key, next_attempt_at > now() + interval '1 year' AS later,
			CASE WHEN next_attempt_at > now() + interval '1 year' THEN next_attempt_at END AS at
			FROM outbox WHERE kind = 'rows.test' ORDER BY id`)
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0].N != 0 || rows[1].N != 1 || rows[2].N != 2 || rows[3].N != 4 {
		t.Fatalf("rows %+v, want n 0 (the first 'taken'), 1, 2, 4", rows)
	}
	if rows[1].Key != nil || rows[1].Later || rows[2].Key == nil || *rows[2].Key != "k2" || rows[2].At == nil || !rows[2].At.Equal(later) {
		t.Fatalf("rows %+v: want row 1 keyless and due now, row 2 keyed k2 and due %s", rows, later)
	}
}

// RunNow runs a pending row once and marks it done; a row the worker
// holds, or one already done, is left alone; a failing handler leaves the
// row pending for the worker.
func TestRunNowRunsAPendingRowOnceAndNeverWaits(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	enqueue(t, env, "now.test", 1, "follow")
	runs := 0
	count := func(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error { runs++; return nil }
	runNow := func(h outbox.Handler) (bool, error) {
		var ran bool
		err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			var err error
			ran, err = outbox.RunNow(ctx, tx, "follow", h)
			return err
		})
		return ran, err
	}

	failed := errors.New("handler failed")
	if ran, err := runNow(func(context.Context, *sqlx.Tx, outbox.Message) error { return failed }); ran || !errors.Is(err, failed) {
		t.Fatalf("failing handler: ran %v, err %v", ran, err)
	}
	// The worker holds the row: RunNow neither waits nor runs it.
	holder, err := env.DB.System().BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, `SELECT set_config('app.role', 'system', true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, `SELECT 1 FROM outbox WHERE dedupe_key = 'follow' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	if ran, err := runNow(count); ran || err != nil || runs != 0 {
		t.Fatalf("held row: ran %v, err %v, runs %d", ran, err, runs)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := runNow(count); err != nil {
			t.Fatal(err)
		}
	}
	if runs != 1 {
		t.Fatalf("handler ran %d times, want once", runs)
	}
	var status string
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&status, `SELECT status FROM outbox WHERE dedupe_key = 'follow'`)
	}); err != nil || status != "done" {
		t.Fatalf("status %q (%v), want done", status, err)
	}
}
