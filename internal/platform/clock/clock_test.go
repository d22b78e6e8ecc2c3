package clock_test

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/clock"
)

func TestClockReadsItsSourceAndFallsBackToTheWallClockWhenNil(t *testing.T) {
	at := time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC)
	if got := clock.Fixed(at).Now(); !got.Equal(at) {
		t.Fatalf("fixed clock reads %v, want %v", got, at)
	}
	var wall clock.Clock
	before := time.Now()
	if got := wall.Now(); got.Before(before) {
		t.Fatalf("nil clock reads %v, before the wall clock's %v", got, before)
	}
}

func TestManualClockMovesOnlyWhenTold(t *testing.T) {
	at := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC)
	m := clock.NewManual(at)
	c := m.Clock()
	if !c.Now().Equal(at) {
		t.Fatalf("reads %v, want %v", c.Now(), at)
	}
	m.Advance(90 * time.Minute)
	if got, want := c.Now(), at.Add(90*time.Minute); !got.Equal(want) {
		t.Fatalf("after Advance reads %v, want %v", got, want)
	}
	if got := c.Since(at); got != 90*time.Minute {
		t.Fatalf("Since = %v, want 1h30m", got)
	}
	m.Set(at)
	if !c.Now().Equal(at) {
		t.Fatalf("after Set reads %v, want %v", c.Now(), at)
	}
}
