// Package ratelimit keeps sliding-window limits in PostgreSQL, so a limit
// holds across every taiwa process behind a load balancer.
//
// A limit is "at most Max hits in any Window": every accepted hit is kept
// as a row stamped with its instant (rate_limits.window_start is that
// instant, to the microsecond; hits counts hits at the very same instant),
// and a hit counts while it is younger than Window. There is no bucket
// boundary to burst across: whatever instant a window is looked at from,
// it holds at most Max hits. Refused hits are not recorded, so a key holds
// at most Max rows per Window and the wait a refusal announces is exact:
// the instant the oldest hit that keeps the window full grows out of it.
package ratelimit

import (
	"context"
	"database/sql"
	"errors"
	"net/netip"
	"time"

	"github.com/jmoiron/sqlx"
)

// Resolution is the precision of stored instants (PostgreSQL's timestamptz).
const Resolution = time.Microsecond

// Limit is at most Max hits on Key in any interval of length Window.
type Limit struct {
	Key    string
	Max    int
	Window time.Duration
}

// lock serialises the decisions on one key until tx ends, so two processes
// cannot both take the last place in a window.
func lock(ctx context.Context, tx *sqlx.Tx, key string) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('ratelimit:' || $1, 0))`, key)
	return err
}

// Wait returns how long until l's key has room for one more hit: zero when
// it has room now. It records nothing.
func Wait(ctx context.Context, tx *sqlx.Tx, l Limit, now time.Time) (time.Duration, error) {
	now = now.Truncate(Resolution)
	// Counting the window's hits from the newest backwards, the hit at
	// which the count reaches Max: while it is in the window the window is
	// full, and the window has room again the moment it leaves.
	var at time.Time
	err := tx.GetContext(ctx, &at, `
		SELECT window_start FROM (
			SELECT window_start, sum(hits) OVER (ORDER BY window_start DESC) AS newer
			FROM rate_limits WHERE key = $1 AND window_start > $2
		) w WHERE newer >= $3 ORDER BY window_start DESC LIMIT 1`,
		l.Key, now.Add(-l.Window), l.Max)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return max(at.Add(l.Window).Sub(now), Resolution), nil
}

// Take records one hit on every limit's key if each has room, and returns
// zero; otherwise it records nothing and returns how long until all of
// them have room (what a 429's Retry-After says). The keys are locked in
// the order given until tx ends: callers list them in one fixed order.
func Take(ctx context.Context, tx *sqlx.Tx, now time.Time, limits ...Limit) (time.Duration, error) {
	var wait time.Duration
	for _, l := range limits {
		if err := lock(ctx, tx, l.Key); err != nil {
			return 0, err
		}
		w, err := Wait(ctx, tx, l, now)
		if err != nil {
			return 0, err
		}
		wait = max(wait, w)
	}
	if wait > 0 {
		return wait, nil
	}
	for _, l := range limits {
		if err := Add(ctx, tx, l.Key, now); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// Add records a hit on key whether or not its window has room.
func Add(ctx context.Context, tx *sqlx.Tx, key string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_limits.hits + 1`,
		key, now.Truncate(Resolution))
	return err
}

// Release takes back one hit that Take or Add recorded on key at now: a
// place reserved for an outcome that did not happen (a sign-in that
// succeeded gives back its place among the failures).
func Release(ctx context.Context, tx *sqlx.Tx, key string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `
		WITH d AS (DELETE FROM rate_limits WHERE key = $1 AND window_start = $2 AND hits <= 1)
		UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND window_start = $2 AND hits > 1`,
		key, now.Truncate(Resolution))
	return err
}

// Forget deletes every hit on the keys that start with prefix: a lock
// lifted by someone entitled to lift it.
func Forget(ctx context.Context, tx *sqlx.Tx, prefix string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE starts_with(key, $1)`, prefix)
	return err
}

// Prune deletes hits older than cutoff (older than every window in use).
func Prune(ctx context.Context, tx *sqlx.Tx, cutoff time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM rate_limits WHERE window_start < $1`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RetryAfterSeconds is a wait as Retry-After's whole seconds, rounded up so
// a client that waits exactly that long is let through.
func RetryAfterSeconds(wait time.Duration) int {
	if wait <= 0 {
		return 0
	}
	return int((wait + time.Second - 1) / time.Second)
}

// AddressKey is the part of a client address a per-address limit counts
// on: an IPv4 address whole, an IPv6 address by its /64 (one subscriber's
// network, where a new address costs nothing), anything else as given.
func AddressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
