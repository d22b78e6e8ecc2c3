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
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
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
