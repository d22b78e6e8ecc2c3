package outbox_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// TestRunWakesOnNotify proves the LISTEN/NOTIFY wake-up: with an hour's
// polling interval, only the notification can make Run drain a row enqueued
// after its first drain has finished. The deadline is generous; this is not
// a speed assertion.
func TestRunWakesOnNotify(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// The worker gets its own single-connection pool, named, so the test can
	// see in pg_stat_activity when its first drain has ended.
	const appName = "outbox_run_test"
	wdb, err := db.Open(ctx, env.SystemURL+"&application_name="+appName)
	if err != nil {
		t.Fatal(err)
	}
	defer wdb.Close()
	wdb.SetMaxOpenConns(1)

	handled := make(chan int, 10)
	w := &outbox.Worker{
		DB: wdb, ListenURL: env.AppURL, Log: quiet, Poll: time.Hour,
		Handlers: map[string]outbox.Handler{"job": func(_ context.Context, _ *sqlx.Tx, m outbox.Message) error {
			var it item
			if err := json.Unmarshal(m.Payload, &it); err != nil {
				return err
			}
			handled <- it.N
			return nil
		}},
	}
	enqueue(t, env, "job", 1, "") // before Run: the first drain handles it
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	waitHandled(t, handled, 1)
	waitFor(t, "the first drain to end", func() bool {
		// The drain that handled row 1 ends with an empty claim, rolled back.
		return count(t, env, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = $1 AND state = 'idle' AND query = 'ROLLBACK'`, appName) == 1 &&
			count(t, env, `SELECT count(*) FROM outbox WHERE status = 'done'`) == 1
	})

	enqueue(t, env, "job", 2, "")
	waitHandled(t, handled, 2)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-wait.Context(t, 0).Done():
		t.Fatal("Run did not return after its context ended")
	}
}

func waitHandled(t *testing.T, handled <-chan int, want int) {
	t.Helper()
	select {
	case n := <-handled:
		if n != want {
			t.Fatalf("handled row n=%d, want n=%d", n, want)
		}
	case <-wait.Context(t, 0).Done():
		t.Fatalf("row n=%d was not handled", want)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	wait.Until(wait.Context(t, 0), t, what, cond)
}
