package web

import (
	"testing"
	"time"
)

// TestCountdownRoundsDownToTheMinuteInTheLargestTwoUnits is the rule the
// homes' "あと2日 3時間" follows.
func TestCountdownRoundsDownToTheMinuteInTheLargestTwoUnits(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		left time.Duration
		want countdown
	}{
		{-time.Minute, countdown{Started: true}},
		{0, countdown{Started: true}},
		{30 * time.Second, countdown{}},
		{59*time.Minute + 59*time.Second, countdown{Minutes: 59}},
		{time.Hour, countdown{Hours: 1}},
		{23*time.Hour + 59*time.Minute, countdown{Hours: 23, Minutes: 59}},
		{24 * time.Hour, countdown{Days: 1}},
		{2*24*time.Hour + 3*time.Hour + 30*time.Minute, countdown{Days: 2, Hours: 3, Minutes: 30}},
	} {
		if got := until(now, now.Add(c.left)); got != c.want {
			t.Errorf("%v left: %+v, want %+v", c.left, got, c.want)
		}
	}
}
