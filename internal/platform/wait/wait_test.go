package wait_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/wait"
)

func TestPollReturnsOnceTheConditionHolds(t *testing.T) {
	var calls atomic.Int32
	if !wait.Poll(wait.Context(t, 0), func() bool { return calls.Add(1) >= 3 }) {
		t.Fatal("Poll gave up on a condition that came true")
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("condition checked %d times, want 3", n)
	}
}

func TestPollGivesUpWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	var calls atomic.Int32
	ok := wait.Poll(ctx, func() bool {
		if calls.Add(1) == 2 {
			cancel() // the deadline "passes" while the condition stays false
		}
		return false
	})
	if ok {
		t.Fatal("Poll reported a condition that never held")
	}
}
