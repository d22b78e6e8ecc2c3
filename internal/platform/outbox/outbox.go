// Package outbox carries side effects (mail, search index updates, Stripe
// calls) out of the transactions that cause them. A row is written in the
// same transaction as the business change; a worker claims rows with
// FOR UPDATE SKIP LOCKED. A database-only Handler runs and marks its row
// done in that same transaction. A Remote (a network call) leases its row
// in a short transaction, calls out with no transaction open, and records
// the result and the "done" mark in a second short transaction, only if
// its lease still holds. A row that succeeded never runs again, and a crash
// at any moment loses nothing (a leased row runs again when its lease ends,
// so calls carry idempotency keys).
package outbox

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Message is one claimed row.
type Message struct {
	ID       int64           `db:"id"`
	Kind     string          `db:"kind"`
	Payload  json.RawMessage `db:"payload"`
	Attempts int             `db:"attempts"`
}

// Enqueue writes a side effect in the caller's transaction. A non-empty
// dedupeKey makes the enqueue idempotent: a second row with the same key is
// silently dropped.
func Enqueue(ctx context.Context, tx *sqlx.Tx, kind string, payload any, dedupeKey string) error {
	return enqueue(ctx, tx, kind, payload, dedupeKey, nil)
}

// EnqueueAt is Enqueue for a side effect that is not due before at (a
// reminder before a session, a request after it): the worker leaves the row
// alone until then. An at in the past makes the row due at once.
func EnqueueAt(ctx context.Context, tx *sqlx.Tx, kind string, payload any, dedupeKey string, at time.Time) error {
	return enqueue(ctx, tx, kind, payload, dedupeKey, at.UTC())
}

// enqueue inserts the row; at nil means due now (the column's default, the
// database's clock, which the worker compares against).
func enqueue(ctx context.Context, tx *sqlx.Tx, kind string, payload any, dedupeKey string, at any) error {
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", kind, err)
	}
	var key any
	if dedupeKey != "" {
		key = dedupeKey
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at) VALUES ($1, $2, $3, COALESCE($4::timestamptz, now()))
		ON CONFLICT (dedupe_key) DO NOTHING`, kind, b, key, at)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", kind, err)
	}
	return nil
}

// Row is one side effect for EnqueueRows.
type Row struct {
	Kind      string
	Payload   any
	DedupeKey string    // "" for none
	At        time.Time // zero: due now
}

// EnqueueRows writes several side effects in one statement (one round
// trip, one NOTIFY), with Enqueue's and EnqueueAt's meaning per row: a row
// whose dedupe key is already taken is dropped. Hot paths that queue a
// handful of rows at once (a booking: its notice, reminders and search
// follow-up) use it to keep their transaction short.
func EnqueueRows(ctx context.Context, tx *sqlx.Tx, rows []Row) error {
	if len(rows) == 0 {
		return nil
	}
	args, err := RowsArgs(rows)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at)
		SELECT k, p::jsonb, d, COALESCE(a, now())
		FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS r(k, p, d, a)
		ON CONFLICT (dedupe_key) DO NOTHING`, args...)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %d rows: %w", len(rows), err)
	}
	return nil
}

// RowsArgs are rows as the four array parameters (text[] kinds, text[]
// JSON payloads, text[] dedupe keys, timestamptz[] due times, NULL for
// none) of EnqueueRows' statement, for a writer that folds the outbox
// INSERT into a statement of its own (a CTE beside its business write):
//
//	INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at)
//	SELECT k, p::jsonb, d, COALESCE(a, now())
//	FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS r(k, p, d, a)
//	ON CONFLICT (dedupe_key) DO NOTHING
func RowsArgs(rows []Row) ([]any, error) {
	kinds := make([]string, len(rows))
	payloads := make([]string, len(rows))
	keys := make([]sql.NullString, len(rows))
	ats := make([]sql.NullTime, len(rows))
	for i, r := range rows {
		b, err := json.Marshal(r.Payload)
		if err != nil {
			return nil, fmt.Errorf("outbox: encode %s: %w", r.Kind, err)
		}
		kinds[i], payloads[i] = r.Kind, string(b)
		keys[i] = sql.NullString{String: r.DedupeKey, Valid: r.DedupeKey != ""}
		ats[i] = sql.NullTime{Time: r.At.UTC(), Valid: !r.At.IsZero()}
	}
	return []any{pq.Array(kinds), pq.Array(payloads), pq.Array(keys), pq.Array(ats)}, nil
}

// RunNow runs the pending row queued under dedupeKey with h inside tx and
// marks it done there, as the worker would, so that a request can finish
// its own follow-up at once instead of waiting for the worker. It never
// waits: a row the worker holds, or one already done, is left alone (ran
// reports false). If h fails, the caller rolls tx back and the row stays
// pending for the worker: nothing is lost and nothing runs twice.
func RunNow(ctx context.Context, tx *sqlx.Tx, dedupeKey string, h Handler) (ran bool, err error) {
	var m Message
	err = tx.GetContext(ctx, &m, `
		SELECT id, kind, payload, attempts FROM outbox
		WHERE dedupe_key = $1 AND status = 'pending'
		FOR UPDATE SKIP LOCKED`, dedupeKey)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("outbox: claim %s: %w", dedupeKey, err)
	}
	if err := h(ctx, tx, m); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE outbox SET status = 'done', done_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1`, m.ID); err != nil {
		return false, fmt.Errorf("outbox: done %d: %w", m.ID, err)
	}
	return true, nil
}
