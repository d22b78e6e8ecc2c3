package record_test

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/record"
)

func TestAlertOverdue(t *testing.T) {
	t.Parallel()
	raised := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		status string
		at     time.Duration // after raised
		over   bool
		by     time.Duration
		step   string
	}{
		{"open, just raised", "open", 0, false, 0, "acknowledge"},
		{"open, at the hour exactly", "open", time.Hour, false, 0, "acknowledge"},
		{"open, a minute late", "open", time.Hour + time.Minute, true, time.Minute, "acknowledge"},
		{"open at 35 h: 34 h past the 1 h protocol", "open", 35 * time.Hour, true, 34 * time.Hour, "acknowledge"},
		{"acknowledged at 2 h: the resolve deadline is ahead", "acknowledged", 2 * time.Hour, false, 0, "resolve"},
		{"acknowledged at 24 h exactly", "acknowledged", 24 * time.Hour, false, 0, "resolve"},
		{"acknowledged at 30 h", "acknowledged", 30 * time.Hour, true, 6 * time.Hour, "resolve"},
		{"resolved is never overdue", "resolved", 100 * time.Hour, false, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := record.Alert{Status: c.status, RaisedAt: raised, RiskLevel: "urgent"}
			over, by := record.AlertOverdue(a, raised.Add(c.at))
			if over != c.over || by != c.by {
				t.Fatalf("AlertOverdue = %v, %s; want %v, %s", over, by, c.over, c.by)
			}
			step, _, ok := record.AlertDeadline(a)
			if step != c.step || ok != (c.step != "") {
				t.Fatalf("AlertDeadline = %q, %v; want %q", step, ok, c.step)
			}
		})
	}
}
