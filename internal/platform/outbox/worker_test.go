package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type item struct {
	N int `json:"n"`
}

func enqueue(t *testing.T, env *dbtest.Env, kind string, n int, dedupeKey string) {
	t.Helper()
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return outbox.Enqueue(context.Background(), tx, kind, item{N: n}, dedupeKey)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// calls counts handler runs per row id.
type calls struct {
	mu sync.Mutex
	n  map[int64]int
}

func (c *calls) record(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int64]int{}
	}
	c.n[id]++
}

func (c *calls) snapshot() map[int64]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[int64]int, len(c.n))
	for k, v := range c.n {
		out[k] = v
	}
	return out
}

func counting(c *calls, err error) outbox.Handler {
	return func(_ context.Context, _ *sqlx.Tx, m outbox.Message) error {
		c.record(m.ID)
		return err
	}
}

func count(t *testing.T, env *dbtest.Env, query string, args ...any) int {
	t.Helper()
	var n int
	if err := env.DB.System().GetContext(context.Background(), &n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func drain(t *testing.T, w *outbox.Worker) int {
	t.Helper()
	n, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTwoWorkersDrainingConcurrentlyHandleEachRowExactlyOnce(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	const rows = 200
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		for i := range rows {
			if err := outbox.Enqueue(context.Background(), tx, "job", item{N: i}, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var c calls
	var wg sync.WaitGroup
	processed := make([]int, 2)
	errs := make([]error, 2)
	for i := range 2 {
		w := &outbox.Worker{DB: env.DB, Handlers: map[string]outbox.Handler{"job": counting(&c, nil)}, Log: quiet}
		wg.Go(func() { processed[i], errs[i] = w.Drain(context.Background()) })
	}
	wg.Wait()

	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if processed[0]+processed[1] != rows {
		t.Errorf("workers processed %d + %d rows, want %d in total", processed[0], processed[1], rows)
	}
	got := c.snapshot()
	if len(got) != rows {
		t.Errorf("handler saw %d distinct rows, want %d", len(got), rows)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("row %d handled %d times, want exactly once", id, n)
		}
	}
	if done := count(t, env, `SELECT count(*) FROM outbox WHERE status = 'done' AND attempts = 1`); done != rows {
		t.Errorf("%d rows done after one attempt, want %d", done, rows)
	}
}

func TestSucceededRowNeverRunsAgain(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	enqueue(t, env, "job", 1, "")
	var c calls
	w := &outbox.Worker{DB: env.DB, Handlers: map[string]outbox.Handler{"job": counting(&c, nil)}, Log: quiet}

	if n := drain(t, w); n != 1 {
		t.Fatalf("first Drain processed %d, want 1", n)
	}
	// Even with its due time in the past, a done row is not due.
	if _, err := env.DB.Exec(`UPDATE outbox SET next_attempt_at = now() - interval '1 hour'`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if n := drain(t, w); n != 0 {
			t.Errorf("Drain %d after success processed %d rows, want 0", i+2, n)
		}
	}
	for id, n := range c.snapshot() {
		if n != 1 {
			t.Errorf("row %d handled %d times, want 1", id, n)
		}
	}
}

func TestHandlerWritesCommitOnlyWhenItSucceedsWhileEveryAttemptIsRecorded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		fail       func() error
		wantStatus string
		wantSide   int
		wantError  string
	}{
		{"success keeps its writes", func() error { return nil }, "done", 1, ""},
		{"error rolls its writes back", func() error { return errors.New("smtp said no") }, "pending", 0, "smtp said no"},
		{"panic rolls its writes back", func() error { panic("boom") }, "pending", 0, "handler panicked: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := dbtest.New(t)
			enqueue(t, env, "job", 1, "")
			w := &outbox.Worker{DB: env.DB, Log: quiet, Handlers: map[string]outbox.Handler{
				"job": func(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
					// The handler's own write: a follow-up row in the same transaction.
					if err := outbox.Enqueue(ctx, tx, "side", item{N: 2}, ""); err != nil {
						return err
					}
					return tc.fail()
				},
				"side": func(context.Context, *sqlx.Tx, outbox.Message) error { return nil },
			}}

			drain(t, w)

			if n := count(t, env, `SELECT count(*) FROM outbox WHERE kind = 'side'`); n != tc.wantSide {
				t.Errorf("handler's writes left %d rows, want %d", n, tc.wantSide)
			}
			var row struct {
				Status    string  `db:"status"`
				Attempts  int     `db:"attempts"`
				LastError *string `db:"last_error"`
			}
			if err := env.DB.Get(&row, `SELECT status, attempts, last_error FROM outbox WHERE kind = 'job'`); err != nil {
				t.Fatal(err)
			}
			if row.Status != tc.wantStatus || row.Attempts != 1 {
				t.Errorf("row = %s after %d attempts, want %s after 1", row.Status, row.Attempts, tc.wantStatus)
			}
			gotErr := ""
			if row.LastError != nil {
				gotErr = *row.LastError
			}
			if gotErr != tc.wantError {
				t.Errorf("last_error = %q, want %q", gotErr, tc.wantError)
			}
		})
	}
}

func TestFailingRowRetriesThenGoesDeadAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	enqueue(t, env, "job", 1, "")
	enqueue(t, env, "unknown", 2, "")
	var c calls
	w := &outbox.Worker{DB: env.DB, Log: quiet, MaxAttempts: 3,
		Handlers: map[string]outbox.Handler{"job": counting(&c, errors.New("always fails"))}}

	type state struct {
		Kind      string `db:"kind"`
		Status    string `db:"status"`
		Attempts  int    `db:"attempts"`
		Later     bool   `db:"later"`
		LastError string `db:"last_error"`
	}
	for _, want := range []struct {
		status string
		later  bool // next_attempt_at is in the future
	}{
		{"pending", true},
		{"pending", true},
		{"dead", true},
	} {
		if n := drain(t, w); n != 2 {
			t.Fatalf("Drain processed %d rows, want 2", n)
		}
		var rows []state
		if err := env.DB.Select(&rows, `SELECT kind, status, attempts, next_attempt_at > now() AS later, last_error FROM outbox ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Status != want.status || r.Later != want.later {
				t.Errorf("%s after attempt %d: status %s, later %v; want %s, %v", r.Kind, r.Attempts, r.Status, r.Later, want.status, want.later)
			}
		}
		if rows[0].LastError != "always fails" || !strings.Contains(rows[1].LastError, `no handler for kind "unknown"`) {
			t.Errorf("last errors = %q, %q", rows[0].LastError, rows[1].LastError)
		}
		// Make the retry due now instead of after the backoff.
		if _, err := env.DB.Exec(`UPDATE outbox SET next_attempt_at = now() - interval '1 second'`); err != nil {
			t.Fatal(err)
		}
	}
	if n := drain(t, w); n != 0 {
		t.Errorf("Drain after the rows died processed %d, want 0", n)
	}
	if got := count(t, env, `SELECT count(*) FROM outbox WHERE status = 'dead' AND attempts = 3`); got != 2 {
		t.Errorf("%d rows dead after 3 attempts, want 2", got)
	}
	for id, n := range c.snapshot() {
		if n != 3 {
			t.Errorf("row %d handled %d times, want 3 (MaxAttempts)", id, n)
		}
	}
}

func TestBackoffGrowsWithAttemptsAndIsCappedAtAnHour(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		attempts int
		min, max time.Duration
	}{
		{1, 5 * time.Second, 10 * time.Second},
		{2, 10 * time.Second, 20 * time.Second},
		{5, 80 * time.Second, 160 * time.Second},
		{10, 30 * time.Minute, time.Hour},
		{50, 30 * time.Minute, time.Hour},
	} {
		for range 50 {
			if d := outbox.Backoff(tc.attempts); d < tc.min || d > tc.max {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", tc.attempts, d, tc.min, tc.max)
			}
		}
	}
}

func TestEnqueueWithDedupeKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		keys     []string
		sameTx   bool
		wantRows int
	}{
		{"same key in two transactions keeps one row", []string{"booking:1:confirm", "booking:1:confirm"}, false, 1},
		{"same key twice in one transaction keeps one row", []string{"booking:1:confirm", "booking:1:confirm"}, true, 1},
		{"different keys keep both", []string{"booking:1:confirm", "booking:2:confirm"}, false, 2},
		{"empty key never deduplicates", []string{"", ""}, false, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := dbtest.New(t)
			ctx := context.Background()
			if tc.sameTx {
				err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
					for i, k := range tc.keys {
						if err := outbox.Enqueue(ctx, tx, "job", item{N: i}, k); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			} else {
				for i, k := range tc.keys {
					enqueue(t, env, "job", i, k)
				}
			}
			if n := count(t, env, `SELECT count(*) FROM outbox`); n != tc.wantRows {
				t.Errorf("%d rows, want %d", n, tc.wantRows)
			}
			// The first enqueue wins: its payload is the one kept.
			var p json.RawMessage
			if err := env.DB.Get(&p, `SELECT payload FROM outbox ORDER BY id LIMIT 1`); err != nil {
				t.Fatal(err)
			}
			var first item
			if err := json.Unmarshal(p, &first); err != nil || first.N != 0 {
				t.Errorf("first row payload = %s, want n=0", p)
			}
		})
	}
}

func TestEnqueueAtLeavesTheRowAloneUntilItIsDue(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := outbox.EnqueueAt(ctx, tx, "job", item{N: 1}, "later", time.Now().Add(time.Hour)); err != nil {
			return err
		}
		if err := outbox.EnqueueAt(ctx, tx, "job", item{N: 2}, "", time.Now().Add(-time.Minute)); err != nil {
			return err
		}
		// A second enqueue with the same key and another time changes nothing.
		return outbox.EnqueueAt(ctx, tx, "job", item{N: 3}, "later", time.Now().Add(-time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	var c calls
	w := &outbox.Worker{DB: env.DB, Handlers: map[string]outbox.Handler{"job": counting(&c, nil)}, Log: quiet}
	if n := drain(t, w); n != 1 {
		t.Fatalf("Drain processed %d rows, want only the one already due", n)
	}
	if n := count(t, env, `SELECT count(*) FROM outbox WHERE status = 'pending' AND next_attempt_at > now() + interval '50 minutes'`); n != 1 {
		t.Errorf("%d future rows still pending, want 1", n)
	}
	if _, err := env.DB.Exec(`UPDATE outbox SET next_attempt_at = now() - interval '1 second' WHERE dedupe_key = 'later'`); err != nil {
		t.Fatal(err)
	}
	if n := drain(t, w); n != 1 {
		t.Errorf("Drain after the due time processed %d rows, want 1", n)
	}
	var p json.RawMessage
	if err := env.DB.Get(&p, `SELECT payload FROM outbox WHERE dedupe_key = 'later'`); err != nil {
		t.Fatal(err)
	}
	var first item
	if err := json.Unmarshal(p, &first); err != nil || first.N != 1 {
		t.Errorf("deduplicated row payload = %s, want n=1", p)
	}
}
