// Package clock is the one source of the current time. The services are
// built with one Clock (see internal/services) and every rule that needs
// "now" reads it, so a test fixes or moves the time in one place.
package clock

import (
	"sync"
	"time"
)

// Clock returns the current time. The zero value (nil) is the wall clock,
// so a service built without one still tells the time.
type Clock func() time.Time

// Now is c's time, or the wall clock when c is nil.
func (c Clock) Now() time.Time {
	if c == nil {
		return time.Now()
	}
	return c()
}

// Since is the time elapsed on c since t.
func (c Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Fixed is a clock that always reads t.
func Fixed(t time.Time) Clock { return func() time.Time { return t } }

// Manual is a clock a test sets and advances; it is safe for concurrent
// use, so a server's handlers may read it while the test moves it.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual is a manual clock that reads t until it is moved.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now is the manual clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = t
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t = m.t.Add(d)
}

// Clock is the manual clock as a Clock, to hand to services.
func (m *Manual) Clock() Clock { return m.Now }
