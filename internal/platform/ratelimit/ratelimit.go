// Package ratelimit counts hits in fixed windows kept in PostgreSQL, so the
// limit holds across every taiwa process behind a load balancer.
package ratelimit

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

func windowStart(now time.Time, window time.Duration) time.Time {
	return now.UTC().Truncate(window)
}

// Hit records one hit for key and returns the hits in the current window,
// this one included.
func Hit(ctx context.Context, tx *sqlx.Tx, key string, window time.Duration, now time.Time) (int, error) {
	var hits int
	err := tx.GetContext(ctx, &hits, `
		INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1
		RETURNING hits`, key, windowStart(now, window))
	return hits, err
}

// Count returns the hits for key in the current window without adding one.
func Count(ctx context.Context, tx *sqlx.Tx, key string, window time.Duration, now time.Time) (int, error) {
	var hits int
	err := tx.GetContext(ctx, &hits, `
		SELECT COALESCE(max(hits), 0) FROM rate_limits WHERE key = $1 AND window_start = $2`,
		key, windowStart(now, window))
	return hits, err
}

// Prune deletes windows that ended before cutoff.
func Prune(ctx context.Context, tx *sqlx.Tx, cutoff time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
