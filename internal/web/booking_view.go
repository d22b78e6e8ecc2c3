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
func (v BookingFormat) BookingStatus(s string) string { return v.label(bookingStatusKeys, s) }

// BookURL is the confirm page of one slot of a counsellor.
func (v BookingFormat) BookURL(counselorID uuid.UUID, start time.Time) string {
	return v.StepLink("/counselors/" + counselorID.String() + "/book?start=" + url.QueryEscape(instant(start)))
}

// Step is the programme step the employee is choosing a counsellor for
// (the current page's `step`, a UUID), or "": search, profiles and
// recommendations carry it to the booking form, which links the booking.
func (v Format) Step() string {
	u, err := url.Parse(v.path)
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
func (v Format) StepLink(u string) string {
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

// bookingRow is a booking with the page's view, for a row template.
type bookingRow struct {
	V *View
	B booking.Booking
}

// row pairs a booking with the view so a sub-template can reach the page
// and the layout (the template func "row").
func row(v *View, b booking.Booking) bookingRow { return bookingRow{V: v, B: b} }
