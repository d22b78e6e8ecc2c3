package web

import (
	"time"
)

// countdown is the time left until a session starts, in whole units for
// "あと2日 3時間": days and hours while a day or more is left, hours and
// minutes under a day, minutes under an hour.
type countdown struct {
	Days, Hours, Minutes int
	Started              bool // the start has passed (the session is on)
}

// until is the countdown from now to start, rounded down to the minute.
func until(now, start time.Time) countdown {
	d := start.Sub(now)
	if d <= 0 {
		return countdown{Started: true}
	}
	m := int(d / time.Minute)
	return countdown{Days: m / (24 * 60), Hours: m / 60 % 24, Minutes: m % 60}
}

// Countdown renders the time left as the catalogue words it.
func (v employeeHomePage) Countdown(c countdown) string {
	switch {
	case c.Started:
		return v.T("home_countdown_started")
	case c.Days > 0:
		return v.T("home_countdown_days", "Days", c.Days, "Hours", c.Hours)
	case c.Hours > 0:
		return v.T("home_countdown_hours", "Hours", c.Hours, "Minutes", c.Minutes)
	}
	return v.T("home_countdown_minutes", "Minutes", c.Minutes)
}
