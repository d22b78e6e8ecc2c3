// Package wait is how tests wait: on a condition, bound to the test's
// context with a generous deadline, never on a fixed sleep or a
// wall-clock assertion. A busy machine only makes a wait longer; the
// deadline is there to end a test that would otherwise hang, not to
// measure anything.
package wait

import (
	"context"
	"testing"
	"time"
)

// Generous is the deadline Context gives when asked for none: far beyond
// any condition's normal wait on a loaded machine.
const Generous = 2 * time.Minute

// Context is t's context (cancelled when t ends) with a deadline of d
// from now (Generous when d is zero).
func Context(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	if d <= 0 {
		d = Generous
	}
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// Until calls cond until it reports true, checking again at short,
// growing intervals; when ctx ends first, t fails with what it waited
// for. It returns at once when cond is already true.
func Until(ctx context.Context, t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !Poll(ctx, cond) {
		t.Fatalf("waited for %s until %v: it did not happen", what, context.Cause(ctx))
	}
}

// Poll calls cond until it reports true (true) or ctx ends (false),
// checking at intervals that grow from 5 ms to 50 ms.
func Poll(ctx context.Context, cond func() bool) bool {
	pause := 5 * time.Millisecond
	for {
		if cond() {
			return true
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return cond()
		case <-t.C:
		}
		pause = min(pause*2, 50*time.Millisecond)
	}
}
