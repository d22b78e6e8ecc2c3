// Package outbox carries side effects (mail, search index updates, Stripe
// calls) out of the transactions that cause them. A row is written in the
// same transaction as the business change; a worker claims rows with
// FOR UPDATE SKIP LOCKED, runs their handler, and marks them done in the same
// transaction, so a row that succeeded never runs again and a crash at any
// moment loses nothing.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"

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
	b, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("outbox: encode %s: %w", kind, err)
	}
	var key any
	if dedupeKey != "" {
		key = dedupeKey
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO outbox (kind, payload, dedupe_key) VALUES ($1, $2, $3)
		ON CONFLICT (dedupe_key) DO NOTHING`, kind, b, key)
	if err != nil {
		return fmt.Errorf("outbox: enqueue %s: %w", kind, err)
	}
	return nil
}
