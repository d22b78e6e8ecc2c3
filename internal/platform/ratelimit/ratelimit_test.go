package ratelimit_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// limiter drives Take on one database with a clock the test moves.
type limiter struct {
	t  *testing.T
	db *db.DB
}

func (l limiter) take(now time.Time, limits ...ratelimit.Limit) time.Duration {
	l.t.Helper()
	var wait time.Duration
	err := l.db.InTx(l.t.Context(), db.System, func(tx *sqlx.Tx) error {
		var err error
		wait, err = ratelimit.Take(l.t.Context(), tx, now, limits...)
		return err
	})
	if err != nil {
		l.t.Fatal(err)
	}
	return wait
}

func (l limiter) exec(f func(ctx context.Context, tx *sqlx.Tx) error) {
	l.t.Helper()
	if err := l.db.InTx(l.t.Context(), db.System, func(tx *sqlx.Tx) error { return f(l.t.Context(), tx) }); err != nil {
		l.t.Fatal(err)
	}
}

// boundary is an instant the old fixed 15-minute windows started at.
var boundary = time.Date(2026, 12, 7, 0, 15, 0, 0, time.UTC)

// TestNoBurstAcrossAWindowBoundary is the attack on fixed windows: the
// whole limit just before a bucket boundary and again just after it. A
// sliding window lets nothing through until the first hits are a whole
// window old, and the wait a refusal names is exact to the microsecond.
func TestNoBurstAcrossAWindowBoundary(t *testing.T) {
	t.Parallel()
	l := limiter{t: t, db: dbtest.New(t).DB}
	lim := ratelimit.Limit{Key: "login:addr:192.0.2.1", Max: 100, Window: 15 * time.Minute}
	before := boundary.Add(-time.Second)
	for i := range 100 {
		if w := l.take(before, lim); w != 0 {
			t.Fatalf("hit %d of 100 before the boundary refused (wait %v)", i+1, w)
		}
	}
	if w := l.take(before, lim); w != lim.Window {
		t.Fatalf("hit 101 at the same instant: wait %v, want the whole window", w)
	}
	accepted := 0
	for i := range 100 {
		now := boundary.Add(time.Duration(i) * time.Second) // the next bucket of the old limiter
		w := l.take(now, lim)
		if w == 0 {
			accepted++
			continue
		}
		if want := before.Add(lim.Window).Sub(now); w != want {
			t.Fatalf("refused at %v: wait %v, want %v (until the first hits are a window old)", now, w, want)
		}
	}
	if accepted != 0 {
		t.Fatalf("%d hits let through after the boundary: %d in one window, limit 100", accepted, 100+accepted)
	}
	edge := before.Add(lim.Window)
	if w := l.take(edge.Add(-time.Microsecond), lim); w != time.Microsecond {
		t.Fatalf("a microsecond early: wait %v, want 1µs", w)
	}
	if w := l.take(edge, lim); w != 0 {
		t.Fatalf("exactly a window after the first hits: wait %v, want let through", w)
	}
	if got := ratelimit.RetryAfterSeconds(lim.Window - 500*time.Millisecond); got != 900 {
		t.Fatalf("Retry-After of 899.5s = %d, want 900 (rounded up)", got)
	}
}

// TestNoIntervalHoldsMoreThanTheLimit drives one key with a clock that
// runs through three old bucket boundaries in uneven steps and bursts,
// then checks, from every accepted hit, that the window ending there
// holds at most Max hits, and that every refusal's wait ends exactly when
// the window first has room.
func TestNoIntervalHoldsMoreThanTheLimit(t *testing.T) {
	t.Parallel()
	l := limiter{t: t, db: dbtest.New(t).DB}
	lim := ratelimit.Limit{Key: "report:someone", Max: 7, Window: time.Minute}
	var accepted []time.Time
	now := boundary.Add(-50 * time.Second)
	end := boundary.Add(3 * time.Minute)
	for step := 0; now.Before(end); step++ {
		burst := 1 + step%4 // 1 to 4 attempts at one instant
		for range burst {
			w := l.take(now, lim)
			if w == 0 {
				accepted = append(accepted, now)
				continue
			}
			// The window has room at now+w and not a microsecond before.
			inWindow := func(at time.Time) int {
				n := 0
				for _, a := range accepted {
					if a.After(at.Add(-lim.Window)) && !a.After(at) {
						n++
					}
				}
				return n
			}
			if inWindow(now.Add(w)) >= lim.Max || inWindow(now.Add(w-time.Microsecond)) < lim.Max {
				t.Fatalf("refused at %v with wait %v: not the instant the window has room", now, w)
			}
		}
		now = now.Add(time.Duration(1+step%9) * 997 * time.Millisecond)
	}
	for i, a := range accepted {
		n := 0
		for _, b := range accepted[:i+1] {
			if b.After(a.Add(-lim.Window)) {
				n++
			}
		}
		if n > lim.Max {
			t.Fatalf("the minute ending %v holds %d hits, limit %d", a, n, lim.Max)
		}
	}
	if len(accepted) < 3*lim.Max {
		t.Fatalf("only %d hits accepted in about four minutes: the limiter refuses too much", len(accepted))
	}
}

// TestTakeIsAllOrNothingAndReleaseGivesBack: with two limits, a hit is
// recorded on both or on neither, and Release returns a reserved place.
func TestTakeIsAllOrNothingAndReleaseGivesBack(t *testing.T) {
	t.Parallel()
	l := limiter{t: t, db: dbtest.New(t).DB}
	account := ratelimit.Limit{Key: "login:fail:a", Max: 2, Window: time.Hour}
	address := ratelimit.Limit{Key: "login:addr:a", Max: 3, Window: time.Hour}
	now := boundary
	for i := range 2 {
		if w := l.take(now.Add(time.Duration(i)*time.Minute), account, address); w != 0 {
			t.Fatalf("attempt %d refused", i+1)
		}
	}
	if w := l.take(now.Add(2*time.Minute), account, address); w != time.Hour-2*time.Minute {
		t.Fatalf("third attempt: wait %v, want 58m (the account limit)", w)
	}
	// The refused attempt did not take the address's third place.
	if w := l.take(now.Add(3*time.Minute), address); w != 0 {
		t.Fatalf("the address's third place was used by a refused attempt (wait %v)", w)
	}
	if w := l.take(now.Add(4*time.Minute), address); w != time.Hour-4*time.Minute {
		t.Fatalf("the address's fourth attempt: wait %v, want 56m", w)
	}
	// Give back the account's second place: one more fits.
	l.exec(func(ctx context.Context, tx *sqlx.Tx) error {
		return ratelimit.Release(ctx, tx, account.Key, now.Add(time.Minute))
	})
	if w := l.take(now.Add(5*time.Minute), account); w != 0 {
		t.Fatalf("after Release: wait %v, want a place", w)
	}
	// Two hits at one instant, one given back: one stays.
	l.exec(func(ctx context.Context, tx *sqlx.Tx) error {
		for range 2 {
			if err := ratelimit.Add(ctx, tx, "k", now); err != nil {
				return err
			}
		}
		return ratelimit.Release(ctx, tx, "k", now)
	})
	if w := l.take(now, ratelimit.Limit{Key: "k", Max: 1, Window: time.Second}); w != time.Second {
		t.Fatalf("one of two hits given back: wait %v, want 1s", w)
	}
}

// TestParallelTakesNeverOvershoot: many processes taking the last places
// at once, each in its own transaction, get exactly Max between them.
func TestParallelTakesNeverOvershoot(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t).DB
	lim := ratelimit.Limit{Key: "login:fail:parallel", Max: 5, Window: time.Minute}
	var mu sync.Mutex
	accepted := 0
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			var wait time.Duration
			err := d.InTx(t.Context(), db.System, func(tx *sqlx.Tx) error {
				var err error
				wait, err = ratelimit.Take(t.Context(), tx, boundary, lim)
				return err
			})
			if err != nil {
				t.Error(err)
				return
			}
			if wait == 0 {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != lim.Max {
		t.Fatalf("%d of 20 parallel takes accepted, want exactly %d", accepted, lim.Max)
	}
}

func TestAddressKeyCountsIPv6ByItsSlash64(t *testing.T) {
	t.Parallel()
	cases := []struct{ addr, want string }{
		{"192.0.2.7", "192.0.2.7"},
		{"::ffff:192.0.2.7", "192.0.2.7"},
		{"2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"},
		{"2001:db8:1:3::1", "2001:db8:1:3::/64"},
		{"not-an-address", "not-an-address"},
		{"", ""},
	}
	for _, tc := range cases {
		if got := ratelimit.AddressKey(tc.addr); got != tc.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// BenchmarkTakeOnAFullWindow measures the sign-in check on an address
// whose window is full (100 hits kept, as at the default limit): lock,
// window scan and refusal, each in its own transaction.
func BenchmarkTakeOnAFullWindow(b *testing.B) {
	d := dbtest.New(b).DB
	ctx := context.Background()
	lim := ratelimit.Limit{Key: "login:addr:192.0.2.1", Max: 100, Window: 15 * time.Minute}
	err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for i := range 100 {
			if err := ratelimit.Add(ctx, tx, lim.Key, boundary.Add(time.Duration(i)*time.Second)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	now := boundary.Add(10 * time.Minute)
	for b.Loop() {
		var wait time.Duration
		if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			var err error
			wait, err = ratelimit.Take(ctx, tx, now, lim)
			return err
		}); err != nil || wait == 0 {
			b.Fatalf("wait %v err %v, want a refusal", wait, err)
		}
	}
}
