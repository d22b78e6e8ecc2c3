package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/report/store"
)

// TestReportLimitSlidesAndSaysWhenToRetry: Limit requests in any minute,
// on a clock the test moves: a request over it is refused with the exact
// wait until the oldest counted one is a minute old, also across the
// boundary of a clock minute, and a refused request is not counted.
func TestReportLimitSlidesAndSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	now := time.Date(2026, 12, 7, 9, 0, 50, 0, time.UTC) // ten seconds before a clock minute
	svc := &store.Service{DB: env.DB, Limit: 2, Clock: func() time.Time { return now }}
	actor := auth.Principal{UserID: uuid.New(), Role: auth.RoleOperator}
	ask := func() error {
		_, err := svc.Report(t.Context(), actor, uuid.New(), store.Request{From: "2026-01", To: "2026-03", By: "month"})
		return err
	}
	for i := range 2 {
		// Counted, then 404: no such company.
		if err := ask(); !apperr.Is(err, apperr.CodeNotFound) {
			t.Fatalf("request %d: %v, want not_found", i+1, err)
		}
	}
	for _, step := range []time.Duration{15 * time.Second, 30 * time.Second, 14 * time.Second} {
		now = now.Add(step) // 9:01:05, 9:01:35, 9:01:49: past the clock minute
		e, ok := apperr.As(ask())
		if !ok || e.Code != apperr.CodeRateLimited {
			t.Fatalf("third request at %v: %v, want rate_limited", now, e)
		}
		if want := time.Date(2026, 12, 7, 9, 1, 50, 0, time.UTC).Sub(now); e.RetryAfter != want {
			t.Fatalf("at %v: RetryAfter %v, want %v", now, e.RetryAfter, want)
		}
	}
	now = time.Date(2026, 12, 7, 9, 1, 50, 0, time.UTC)
	if err := ask(); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("a minute after the first: %v, want let through", err)
	}
}
