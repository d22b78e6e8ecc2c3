package web

import (
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/booking"
)

// Message ids of booking statuses and weekdays (ISO: 1 = Monday).
var (
	bookingStatusKeys = codeKeys("bstatus", []string{
		booking.StatusConfirmed, booking.StatusCompleted, booking.StatusCancelled,
		booking.StatusLateCancelled, booking.StatusNoShow, booking.StatusCounselorNoShow,
	})
	weekdayKeys      = codeKeys("weekday", []string{"1", "2", "3", "4", "5", "6", "7"})
	weekdayShortKeys = codeKeys("wday", []string{"1", "2", "3", "4", "5", "6", "7"})
)

// employeeZone is Japan time: the zone of pages that show no one person's
// times (operators'), and of a counsellor without a schedule yet.
var employeeZone = loadZone("Asia/Tokyo")

// userZone is the signed-in user's own zone (their account's setting):
// every time an employee sees is shown in it.
func (s *Server) userZone(c echo.Context) *time.Location {
	p, _ := principalOf(c)
	return account.ZoneOf(p)
}

// loadZone is the named zone, or Japan time when the machine lacks the
// zone database (a fixed offset is right for Japan, which has no DST).
func loadZone(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return jst
}

// slotDay is the free slots of one calendar day in a zone.
type slotDay struct {
	Day   time.Time // midnight of the day in the zone
	Slots []booking.Slot
}

// bookingDay is the sessions of one calendar day in a zone.
type bookingDay struct {
	Day      time.Time
	Bookings []booking.Booking
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
}

// slotsByDay groups slots, in order, by their start's day in loc.
func slotsByDay(slots []booking.Slot, loc *time.Location) []slotDay {
	sorted := append([]booking.Slot(nil), slots...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Start.Before(sorted[j].Start) })
	var out []slotDay
	for _, sl := range sorted {
		d := dayOf(sl.Start, loc)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(d) {
			out = append(out, slotDay{Day: d})
		}
		out[len(out)-1].Slots = append(out[len(out)-1].Slots, sl)
	}
	return out
}

// bookingsByDay groups bookings, in the order given, by their start's day.
func bookingsByDay(bs []booking.Booking, loc *time.Location) []bookingDay {
	var out []bookingDay
	for _, b := range bs {
		d := dayOf(b.Start, loc)
		if len(out) == 0 || !out[len(out)-1].Day.Equal(d) {
			out = append(out, bookingDay{Day: d})
		}
		out[len(out)-1].Bookings = append(out[len(out)-1].Bookings, b)
	}
	return out
}

// pastShown is how many past sessions a list shows, newest first.
const pastShown = 50

// capPast keeps the newest pastShown sessions and says how many are left out.
func capPast(past []booking.Booking) ([]booking.Booking, int) {
	if len(past) <= pastShown {
		return past, 0
	}
	return past[:pastShown], len(past) - pastShown
}

// splitBookings separates sessions still to come (confirmed and not yet
// ended), soonest first, from the rest, newest first.
func splitBookings(bs []booking.Booking, now time.Time) (upcoming, past []booking.Booking) {
	for _, b := range bs {
		if b.Status == booking.StatusConfirmed && b.End.After(now) {
			upcoming = append(upcoming, b)
		} else {
			past = append(past, b)
		}
	}
	sort.SliceStable(upcoming, func(i, j int) bool { return upcoming[i].Start.Before(upcoming[j].Start) })
	sort.SliceStable(past, func(i, j int) bool { return past[i].Start.After(past[j].Start) })
	return upcoming, past
}

// splitCancelled takes the cancelled sessions whose start is still ahead
// out of past (newest first), soonest first.
func splitCancelled(past []booking.Booking, now time.Time) (cancelled, rest []booking.Booking) {
	for _, b := range past {
		if (b.Status == booking.StatusCancelled || b.Status == booking.StatusLateCancelled) && b.Start.After(now) {
			cancelled = append(cancelled, b)
		} else {
			rest = append(rest, b)
		}
	}
	slices.Reverse(cancelled)
	return cancelled, rest
}

// BookingStatus is a booking status's name.
func (v *View) BookingStatus(s string) string { return v.label(bookingStatusKeys, s) }

// Weekday is an ISO weekday's full name (月曜日 / Monday).
func (v *View) Weekday(d int) string { return v.label(weekdayKeys, string(rune('0'+d))) }

func (v *View) wdayShort(t time.Time) string {
	d := int(t.Weekday())
	if d == 0 {
		d = 7
	}
	return v.label(weekdayShortKeys, string(rune('0'+d)))
}

// DayHeading is a day's heading in loc: 1月5日（月）/ Mon 1/5.
func (v *View) DayHeading(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return v.T("day_heading", "Month", int(t.Month()), "Day", t.Day(), "Weekday", v.wdayShort(t))
}

// Clock is the time of day of t in loc (15:04).
func (v *View) Clock(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") }

// When is a session's date and hours in loc: 2026-01-05（月）10:00–10:50.
func (v *View) When(start, end time.Time, loc *time.Location) string {
	s := start.In(loc)
	return s.Format("2006-01-02") + v.T("wday_paren", "Weekday", v.wdayShort(s)) + " " +
		s.Format("15:04") + "–" + end.In(loc).Format("15:04")
}

// TimeIn is t in loc, with the date: 2026-01-05 10:00.
func (v *View) TimeIn(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02 15:04")
}

// Instant is t as the RFC 3339 value forms and links carry (UTC, so no
// "+" needs escaping).
func (v *View) Instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// BookURL is the confirm page of one slot of a counsellor.
func (v *View) BookURL(counselorID uuid.UUID, start time.Time) string {
	return v.StepLink("/counselors/" + counselorID.String() + "/book?start=" + url.QueryEscape(v.Instant(start)))
}

// Step is the programme step the employee is choosing a counsellor for
// (the current page's `step`, a UUID), or "": search, profiles and
// recommendations carry it to the booking form, which links the booking.
func (v *View) Step() string {
	u, err := url.Parse(v.Path)
	if err != nil {
		return ""
	}
	id, err := uuid.Parse(u.Query().Get("step"))
	if err != nil {
		return ""
	}
	return id.String()
}

// StepLink is u carrying the current programme step, if any.
func (v *View) StepLink(u string) string {
	step := v.Step()
	if step == "" {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "step=" + step
}

// ZoneName is a zone's IANA name.
func (v *View) ZoneName(loc *time.Location) string { return loc.String() }

// bookingRow is a booking with the page's view, for a row template.
type bookingRow struct {
	V *View
	B booking.Booking
}

// Row pairs a booking with the view so a sub-template can translate.
func (v *View) Row(b booking.Booking) bookingRow { return bookingRow{V: v, B: b} }
