package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// Remote is a handler whose side effect leaves the database (Meilisearch,
// Stripe, SMTP). It runs in three steps so that no transaction stays open
// while the other side answers:
//
//  1. Remote itself runs in a short transaction that has claimed the row
//     (a lease: the row is not due again until the lease ends, and the
//     attempt is already counted). It reads what the call needs and may
//     write; those writes commit before the call. A nil Call means nothing
//     is left to do and the row is done.
//  2. The Call runs with no transaction open.
//  3. The Record it returns (may be nil) runs in a new short transaction
//     together with the row's "done" mark, only if the row is still this
//     attempt's (a worker that outlived its lease records nothing).
//
// A crash anywhere leaves the row pending; it runs again when the lease
// ends, so the Call must be idempotent towards the outside world, as
// before (Stripe idempotency keys, stable Message-IDs).
type Remote func(ctx context.Context, tx *sqlx.Tx, m Message) (Call, error)

// Call is a Remote's work outside the database.
type Call func(ctx context.Context) (Record, error)

// Record writes a Call's result, in the transaction that marks the row done.
type Record func(ctx context.Context, tx *sqlx.Tx) error

// DeferError asks the worker to leave a row alone for a while without
// counting an attempt (another worker is busy with the same thing).
type DeferError struct{ After time.Duration }

func (e *DeferError) Error() string { return fmt.Sprintf("deferred for %s", e.After) }

// Defer returns a DeferError: a Remote returns it to put its row back.
func Defer(after time.Duration) error { return &DeferError{After: after} }

// DefaultLease is how long a claimed row stays reserved for the worker that
// claimed it: longer than any call may take (calls are cut off at three
// quarters of it).
const DefaultLease = 2 * time.Minute

// recordTimeout bounds the transaction recording a call's result, which
// runs even when the worker is stopping, so a finished call is not redone.
const recordTimeout = 15 * time.Second

// claimRemote runs step 1 inside the claiming transaction tx: it leases
// the row and runs the Remote under a savepoint. It returns the call to
// make after commit, or nil when the row is settled in tx already.
func (w *Worker) claimRemote(ctx context.Context, tx *sqlx.Tx, m Message, r Remote) (Call, error) {
	attempt := m.Attempts + 1
	if m.Attempts >= w.MaxAttempts {
		// Leases kept running out (the worker died during the call).
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET status = 'dead', leased_until = NULL,
			       last_error = COALESCE(last_error, 'the lease ran out on every attempt')
			WHERE id = $1`, m.ID)
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE outbox SET attempts = $2, leased_until = now() + $3 * interval '1 millisecond',
		       next_attempt_at = now() + $3 * interval '1 millisecond'
		WHERE id = $1`, m.ID, attempt, w.Lease.Milliseconds()); err != nil {
		return nil, err
	}
	m.Attempts = attempt
	call, herr := w.savepoint(ctx, tx, func() (Call, error) { return r(ctx, tx, m) })
	var d *DeferError
	switch {
	case errors.As(herr, &d):
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET attempts = attempts - 1, leased_until = NULL,
			       next_attempt_at = now() + $2 * interval '1 millisecond'
			WHERE id = $1`, m.ID, d.After.Milliseconds())
		return nil, err
	case herr != nil:
		return nil, w.fail(ctx, tx, m.ID, m.Kind, attempt, herr)
	case call == nil:
		return nil, markDone(ctx, tx, m.ID)
	}
	return call, nil
}

// finishRemote runs steps 2 and 3 for a row claimed as attempt m.Attempts.
func (w *Worker) finishRemote(ctx context.Context, m Message, call Call) error {
	cctx, cancel := context.WithTimeout(ctx, w.Lease*3/4)
	rec, cerr := safeCall(cctx, call)
	cancel()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	return w.DB.InTx(rctx, db.System, func(tx *sqlx.Tx) error {
		var cur struct {
			Status   string `db:"status"`
			Attempts int    `db:"attempts"`
		}
		if err := tx.GetContext(rctx, &cur, `SELECT status, attempts FROM outbox WHERE id = $1 FOR UPDATE`, m.ID); err != nil {
			return err
		}
		if cur.Status != "pending" || cur.Attempts != m.Attempts {
			w.Log.Warn("outbox: lease lost; result not recorded", "id", m.ID, "kind", m.Kind, "attempt", m.Attempts, "call_err", cerr)
			return nil
		}
		if cerr == nil && rec != nil {
			_, cerr = w.savepoint(rctx, tx, func() (Call, error) { return nil, rec(rctx, tx) })
		}
		if cerr != nil {
			return w.fail(rctx, tx, m.ID, m.Kind, m.Attempts, cerr)
		}
		return markDone(rctx, tx, m.ID)
	})
}

func safeCall(ctx context.Context, call Call) (rec Record, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return call(ctx)
}

// savepoint runs fn under a savepoint, rolling its writes back when it
// fails or panics.
func (w *Worker) savepoint(ctx context.Context, tx *sqlx.Tx, fn func() (Call, error)) (call Call, err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT handler`); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
		if err != nil {
			_, _ = tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT handler`)
		}
	}()
	return fn()
}

// markDone settles a leased row that succeeded (its attempt is counted).
func markDone(ctx context.Context, tx *sqlx.Tx, id int64) error {
	_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'done', done_at = now(), leased_until = NULL, last_error = NULL WHERE id = $1`, id)
	return err
}

// fail records a failed attempt (already counted in attempts) and sets the
// retry, or the row dead after MaxAttempts.
func (w *Worker) fail(ctx context.Context, tx *sqlx.Tx, id int64, kind string, attempt int, herr error) error {
	status := "pending"
	if attempt >= w.MaxAttempts {
		status = "dead"
	}
	w.Log.Warn("outbox: handler failed", "id", id, "kind", kind, "attempt", attempt, "status", status, "err", herr)
	_, err := tx.ExecContext(ctx, `
		UPDATE outbox SET leased_until = NULL, last_error = $2, status = $3,
		       next_attempt_at = now() + $4 * interval '1 millisecond'
		WHERE id = $1`, id, truncate(herr.Error(), 2000), status, Backoff(attempt).Milliseconds())
	return err
}
