package billing

import (
	"fmt"
	"time"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// JST is Japan's time zone (no daylight saving): periods are its calendar
// months and a session belongs to the month its start falls in.
var JST = time.FixedZone("Asia/Tokyo", 9*60*60)

// Period is a calendar month in Japan time.
type Period struct {
	Year  int
	Month time.Month
}

// ParsePeriod reads YYYY-MM; a malformed or absurd period is invalid input
// on the field "period".
func ParsePeriod(s string) (Period, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Period{}, apperr.Field("period", "must be a month as YYYY-MM")
	}
	if t.Year() < 2000 || t.Year() > 2999 {
		return Period{}, apperr.Field("period", "must be a month between 2000-01 and 2999-12")
	}
	return Period{Year: t.Year(), Month: t.Month()}, nil
}

// PeriodOf is the month (JST) that t falls in.
func PeriodOf(t time.Time) Period {
	j := t.In(JST)
	return Period{Year: j.Year(), Month: j.Month()}
}

// String is YYYY-MM.
func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, int(p.Month)) }

// Start is the first instant of the month in JST.
func (p Period) Start() time.Time { return time.Date(p.Year, p.Month, 1, 0, 0, 0, 0, JST) }

// End is the first instant of the next month in JST (exclusive).
func (p Period) End() time.Time { return p.Start().AddDate(0, 1, 0) }

// Next is the following month.
func (p Period) Next() Period { return PeriodOf(p.End()) }

// Prev is the preceding month.
func (p Period) Prev() Period { return PeriodOf(p.Start().Add(-time.Hour)) }

// Days is the number of days in the month.
func (p Period) Days() int { return p.End().AddDate(0, 0, -1).Day() }

// FirstDay is the month's first date, YYYY-MM-DD.
func (p Period) FirstDay() string { return p.Start().Format(time.DateOnly) }

// LastDay is the month's last date, YYYY-MM-DD.
func (p Period) LastDay() string { return p.End().AddDate(0, 0, -1).Format(time.DateOnly) }

// Ended reports whether the month is over at now (JST).
func (p Period) Ended(now time.Time) bool { return !now.Before(p.End()) }

// IssuedOn is the invoice date: the first day after the period.
func (p Period) IssuedOn() string { return p.End().Format(time.DateOnly) }

// DueOn is the payment date: the last day of the month after the period
// (月末締め翌月末払い).
func (p Period) DueOn() string { return p.Next().LastDay() }

// Today is now's date in Japan, YYYY-MM-DD.
func Today(now time.Time) string { return now.In(JST).Format(time.DateOnly) }

// parseDate reads YYYY-MM-DD as a JST calendar date.
func parseDate(s string) (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, s, JST)
}
