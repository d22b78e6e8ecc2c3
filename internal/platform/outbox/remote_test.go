package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

type rowState struct {
	Status    string  `db:"status"`
	Attempts  int     `db:"attempts"`
	LastError *string `db:"last_error"`
	Leased    bool    `db:"leased"`
	Later     bool    `db:"later"`
}

func jobRow(t *testing.T, env *dbtest.Env) rowState {
	t.Helper()
	var r rowState
	if err := env.DB.Get(&r, `
		SELECT status, attempts, last_error, leased_until IS NOT NULL AS leased, next_attempt_at > now() AS later
		FROM outbox WHERE kind = 'job'`); err != nil {
		t.Fatal(err)
	}
	return r
}

// openTransactions counts the other sessions of the database that sit
// inside a transaction between statements.
func openTransactions(ctx context.Context, env *dbtest.Env) (int, error) {
	var n int
	err := env.DB.System().GetContext(ctx, &n, `
		SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`)
	return n, err
}

func TestRemoteStepsCommitApartAndTheCallRunsWithNoTransactionOpen(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		call       func() error
		record     func() error
		wantStatus string
		wantError  string
		wantRecord int
	}{
		{"success records", func() error { return nil }, func() error { return nil }, "done", "", 1},
		{"call error retries and records nothing", func() error { return errors.New("engine said no") }, func() error { return nil }, "pending", "engine said no", 0},
		{"call panic retries", func() error { panic("boom") }, func() error { return nil }, "pending", "handler panicked: boom", 0},
		{"record error rolls the record back and retries", func() error { return nil }, func() error { return errors.New("record failed") }, "pending", "record failed", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := dbtest.New(t)
			enqueue(t, env, "job", 1, "")
			var (
				openDuringCall = -1
				prepVisible    = -1
			)
			w := &outbox.Worker{DB: env.DB, Log: quiet, Remotes: map[string]outbox.Remote{
				"job": func(ctx context.Context, tx *sqlx.Tx, m outbox.Message) (outbox.Call, error) {
					if err := outbox.Enqueue(ctx, tx, "prepared", item{N: 2}, ""); err != nil {
						return nil, err
					}
					return func(ctx context.Context) (outbox.Record, error) {
						var err error
						if openDuringCall, err = openTransactions(ctx, env); err != nil {
							return nil, err
						}
						// The claim's writes are committed before the call.
						if err := env.DB.GetContext(ctx, &prepVisible, `SELECT count(*) FROM outbox WHERE kind = 'prepared'`); err != nil {
							return nil, err
						}
						if err := tc.call(); err != nil {
							return nil, err
						}
						return func(ctx context.Context, tx *sqlx.Tx) error {
							if err := outbox.Enqueue(ctx, tx, "recorded", item{N: 3}, ""); err != nil {
								return err
							}
							return tc.record()
						}, nil
					}, nil
				},
			}, Handlers: map[string]outbox.Handler{
				"prepared": func(context.Context, *sqlx.Tx, outbox.Message) error { return nil },
				"recorded": func(context.Context, *sqlx.Tx, outbox.Message) error { return nil },
			}}
			drain(t, w)
			if openDuringCall != 0 || prepVisible != 1 {
				t.Errorf("during the call: %d sessions idle in transaction (want 0), claim's write visible %d (want 1)", openDuringCall, prepVisible)
			}
			if n := count(t, env, `SELECT count(*) FROM outbox WHERE kind = 'recorded'`); n != tc.wantRecord {
				t.Errorf("record's writes: %d rows, want %d", n, tc.wantRecord)
			}
			r := jobRow(t, env)
			got := ""
			if r.LastError != nil {
				got = *r.LastError
			}
			if r.Status != tc.wantStatus || r.Attempts != 1 || got != tc.wantError || r.Leased {
				t.Errorf("row = %+v (last_error %q), want %s after 1 attempt, last_error %q, no lease", r, got, tc.wantStatus, tc.wantError)
			}
		})
	}
}

// A worker that dies during its call leaves the row leased: no other
// worker takes it until the lease ends, then one does (nothing lost), and
// the first worker's late result is not recorded (nothing done twice in
// the database).
func TestLeasedRowWaitsForItsLeaseAndALateResultIsDropped(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	enqueue(t, env, "job", 1, "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inCall, release := make(chan struct{}), make(chan struct{})
	var records [2]int
	remote := func(i int, block bool) outbox.Remote {
		return func(context.Context, *sqlx.Tx, outbox.Message) (outbox.Call, error) {
			return func(context.Context) (outbox.Record, error) {
				if block {
					close(inCall)
					<-release
				}
				return func(context.Context, *sqlx.Tx) error { records[i]++; return nil }, nil
			}, nil
		}
	}
	first := &outbox.Worker{DB: env.DB, Log: quiet, Remotes: map[string]outbox.Remote{"job": remote(0, true)}}
	second := &outbox.Worker{DB: env.DB, Log: quiet, Remotes: map[string]outbox.Remote{"job": remote(1, false)}}
	done := make(chan error, 1)
	go func() { _, err := first.Drain(ctx); done <- err }()
	select {
	case <-inCall:
	case <-ctx.Done():
		t.Fatal("the first worker never called out")
	}
	if n := drain(t, second); n != 0 {
		t.Fatalf("a second worker took a leased row (%d)", n)
	}
	if r := jobRow(t, env); !r.Leased || r.Attempts != 1 || r.Status != "pending" {
		t.Fatalf("during the call: %+v, want pending, leased, attempt 1", r)
	}
	// The first worker is presumed dead: its lease runs out.
	if _, err := env.DB.Exec(`UPDATE outbox SET leased_until = now() - interval '1 second', next_attempt_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if n := drain(t, second); n != 1 {
		t.Fatalf("after the lease the second worker processed %d rows, want 1", n)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if records != [2]int{0, 1} {
		t.Fatalf("records = %v, want only the second worker's", records)
	}
	if r := jobRow(t, env); r.Status != "done" || r.Attempts != 2 || r.Leased {
		t.Fatalf("row = %+v, want done after 2 attempts", r)
	}
}

func TestDeferredRowIsNoAttemptAndLeasesThatKeepRunningOutEndDead(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	enqueue(t, env, "job", 1, "")
	w := &outbox.Worker{DB: env.DB, Log: quiet, MaxAttempts: 2, Remotes: map[string]outbox.Remote{
		"job": func(context.Context, *sqlx.Tx, outbox.Message) (outbox.Call, error) {
			return nil, outbox.Defer(time.Hour)
		},
	}}
	if n := drain(t, w); n != 1 {
		t.Fatalf("Drain processed %d, want 1", n)
	}
	if r := jobRow(t, env); r.Status != "pending" || r.Attempts != 0 || !r.Later || r.Leased {
		t.Fatalf("deferred row = %+v, want pending, no attempt, later, no lease", r)
	}
	// Two workers died during their calls: the attempts are spent.
	if _, err := env.DB.Exec(`UPDATE outbox SET attempts = 2, next_attempt_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	drain(t, w)
	if r := jobRow(t, env); r.Status != "dead" || r.LastError == nil {
		t.Fatalf("row = %+v, want dead with a reason", r)
	}
}
