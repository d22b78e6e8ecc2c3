package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// Handler performs one side effect inside the database. It runs inside the
// claiming transaction: its writes commit together with the row's "done"
// mark, and roll back if it fails. A side effect outside the database
// (a network call) is a Remote instead, so that no transaction stays open
// while the other side answers.
type Handler func(ctx context.Context, tx *sqlx.Tx, m Message) error

// Worker drains the outbox.
type Worker struct {
	DB          *db.DB
	ListenURL   string             // connection for LISTEN; empty: poll only
	Handlers    map[string]Handler // database-only side effects, by kind
	Remotes     map[string]Remote  // side effects over the network, by kind
	Lease       time.Duration      // how long a Remote's claim holds; DefaultLease if zero
	Log         *slog.Logger
	Poll        time.Duration // fallback polling interval
	MaxAttempts int           // after this many failures a row is "dead"
}

func (w *Worker) defaults() {
	if w.Poll == 0 {
		w.Poll = 5 * time.Second
	}
	if w.MaxAttempts == 0 {
		w.MaxAttempts = 12
	}
	if w.Lease == 0 {
		w.Lease = DefaultLease
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
}

// Backoff is the wait before attempt n+1: exponential from 5 s, capped at an
// hour, with jitter so many failed rows do not retry in lockstep.
func Backoff(attempts int) time.Duration {
	d := 5 * time.Second << min(attempts, 10)
	d = min(d, time.Hour)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// Run drains the outbox until ctx ends, waking on NOTIFY with a polling
// fallback.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	var notify <-chan *pq.Notification
	if w.ListenURL != "" {
		l := pq.NewListener(w.ListenURL, time.Second, time.Minute, func(ev pq.ListenerEventType, err error) {
			if err != nil {
				w.Log.Warn("outbox listener", "event", int(ev), "err", err)
			}
		})
		if err := l.Listen("taiwa_outbox"); err != nil {
			w.Log.Warn("outbox: LISTEN failed; polling only", "err", err)
		} else {
			notify = l.Notify
		}
		defer l.Close()
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		if _, err := w.Drain(ctx); err != nil && ctx.Err() == nil {
			w.Log.Error("outbox drain", "err", err)
		}
		timer.Reset(w.Poll)
		select {
		case <-ctx.Done():
			return nil
		case <-notify:
		case <-timer.C:
		}
	}
}

// Drain processes due rows until none is left (or ctx ends) and returns how
// many it processed. Tests call it to run side effects deterministically.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	w.defaults()
	n := 0
	for ctx.Err() == nil {
		ok, err := w.processOne(ctx)
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		n++
	}
	return n, ctx.Err()
}

var errNone = errors.New("no due rows")

func (w *Worker) processOne(ctx context.Context) (bool, error) {
	var (
		claimed Message
		call    Call
	)
	err := w.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var m Message
		err := tx.GetContext(ctx, &m, `
			SELECT id, kind, payload, attempts FROM outbox
			WHERE status = 'pending' AND next_attempt_at <= now()
			ORDER BY next_attempt_at, id
			FOR UPDATE SKIP LOCKED LIMIT 1`)
		if db.IsNoRows(err) {
			return errNone
		}
		if err != nil {
			return err
		}
		if r, ok := w.Remotes[m.Kind]; ok {
			call, err = w.claimRemote(ctx, tx, m, r)
			claimed = m
			claimed.Attempts++
			return err
		}
		herr := w.handle(ctx, tx, m)
		if herr == nil {
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = 'done', done_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`, m.ID)
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1 WHERE id = $1`, m.ID); err != nil {
			return err
		}
		return w.fail(ctx, tx, m.ID, m.Kind, m.Attempts+1, herr)
	})
	if errors.Is(err, errNone) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if call != nil {
		return true, w.finishRemote(ctx, claimed, call)
	}
	return true, nil
}

// handle runs the handler under a savepoint so its own writes roll back on
// failure while the attempt is still recorded.
func (w *Worker) handle(ctx context.Context, tx *sqlx.Tx, m Message) (err error) {
	h, ok := w.Handlers[m.Kind]
	if !ok {
		return fmt.Errorf("no handler for kind %q", m.Kind)
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT handler`); err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
		if err != nil {
			_, _ = tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT handler`)
		}
	}()
	return h(ctx, tx, m)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
