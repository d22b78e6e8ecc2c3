package web

import (
	"net/url"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// The slot picker: one week of a counsellor's free slots, days as
// columns, in a zone the employee chooses (their own by default). Its
// state lives in the address (?week=2027-03-22&tz=Europe/Berlin), so the
// previous/next links and the zone switch work without JavaScript; htmx
// only swaps the picker in place.

// pickerWeeks is how many weeks ahead the picker goes: the longest
// horizon a counsellor may set (180 days) and a little.
const pickerWeeks = 27

// earliestWindow is how far ahead the "earliest slot" shortcut looks.
const earliestWindow = booking.MaxSlotsWindow

// slotsPanel is one week of a counsellor's free slots, by day in a zone.
type slotsPanel struct {
	Shown       bool      // the viewer is an employee, who may book
	Days        []slotDay // the week's seven days, Monday first, each maybe empty
	SlotsFailed bool      // the slots could not be computed just now
	Zone        *time.Location
	Own         *time.Location // the employee's own zone
	Week        time.Time      // Monday 00:00 of the week shown, in Zone
	Prev, Next  string         // the neighbouring weeks' addresses; "" at either end
	Earliest    *booking.Slot  // the first free slot from now on, if any
	EarliestURL string         // the week that shows it
	Base        string         // the page the picker's links and form lead to
	Zones       []string       // the zone switch's choices
	Any         bool           // the week has a free slot
	step        string         // the programme step the page is for, carried along
}

// First is the earliest free slot, if any.
func (p slotsPanel) First() *booking.Slot { return p.Earliest }

// Picker is the panel itself, for the picker partial.
func (p slotsPanel) Picker() slotsPanel { return p }

// OtherZone reports whether the slots are shown in a zone other than the
// employee's own.
func (p slotsPanel) OtherZone() bool { return p.Zone.String() != p.Own.String() }

// weekOf is Monday 00:00 of t's week in loc.
func weekOf(t time.Time, loc *time.Location) time.Time {
	d := dayOf(t, loc)
	back := (int(d.Weekday()) + 6) % 7 // days since Monday
	return time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, loc)
}

// addDays is day plus n calendar days in its zone (23 or 25 hours long
// across a DST switch, never a fixed 24).
func addDays(day time.Time, n int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day()+n, 0, 0, 0, 0, day.Location())
}

// pickerQuery reads the picker's week and zone from the address: a week
// that is not a date is a 400 naming "week", a zone that is not an IANA
// name a 400 naming "tz".
func pickerQuery(c echo.Context, own *time.Location) (week string, zone *time.Location, err error) {
	zone = own
	if v := c.QueryParam("tz"); v != "" {
		if zone, err = account.CheckTimezone("tz", v); err != nil {
			return "", nil, err
		}
	}
	week = c.QueryParam("week")
	if week != "" {
		if _, err := time.Parse(time.DateOnly, week); err != nil {
			return "", nil, apperr.Field("week", "must be a date, YYYY-MM-DD")
		}
	}
	return week, zone, nil
}

// pickerURL is the picker's address for a week in a zone (the zone only
// when it is not the employee's own).
func (p slotsPanel) pickerURL(week time.Time) string {
	q := url.Values{"week": {week.Format(time.DateOnly)}}
	if p.OtherZone() {
		q.Set("tz", p.Zone.String())
	}
	if p.step != "" {
		q.Set("step", p.step)
	}
	return p.Base + "?" + q.Encode()
}

// freeSlots builds the picker for the week the address names (else the
// week of the earliest free slot) at base. Bad input is an error; a
// failure to compute slots leaves the rest of the page readable: it is
// logged and the panel says so.
func (s *Server) freeSlots(c echo.Context, p auth.Principal, id uuid.UUID, base string) (slotsPanel, error) {
	own := account.ZoneOf(p)
	weekParam, zone, err := pickerQuery(c, own)
	if err != nil {
		return slotsPanel{}, err
	}
	pn := slotsPanel{Shown: true, Zone: zone, Own: own, Base: base}
	if step, err := uuid.Parse(c.QueryParam("step")); err == nil {
		pn.step = step.String()
	}
	pn.Zones = slices.Clone(account.CommonTimezones)
	for _, z := range []string{own.String(), zone.String()} {
		if !slices.Contains(pn.Zones, z) {
			pn.Zones = append(pn.Zones, z)
		}
	}
	ctx := c.Request().Context()
	now := s.Clock.Now()
	first, last := weekOf(now, zone), weekOf(now.Add(pickerWeeks*7*24*time.Hour), zone)
	ahead, err := s.Bookings.Slots(ctx, p, id, now, now.Add(earliestWindow))
	if err != nil {
		s.Log.Error("web: free slots", "counselor", id, "err", err)
		pn.SlotsFailed = true
		pn.Week = first
		return pn, nil
	}
	if len(ahead) > 0 {
		pn.Earliest = &ahead[0]
	}
	pn.Week = first
	if weekParam != "" {
		d, _ := time.ParseInLocation(time.DateOnly, weekParam, zone)
		pn.Week = weekOf(d, zone)
	} else if pn.Earliest != nil {
		pn.Week = weekOf(pn.Earliest.Start, zone)
	}
	if pn.Week.Before(first) {
		pn.Week = first
	} else if pn.Week.After(last) {
		pn.Week = last
	}
	if pn.Earliest != nil {
		pn.EarliestURL = pn.pickerURL(weekOf(pn.Earliest.Start, zone))
	}
	end := addDays(pn.Week, 7)
	week := ahead
	if end.After(now.Add(earliestWindow)) {
		if week, err = s.Bookings.Slots(ctx, p, id, pn.Week, end); err != nil {
			s.Log.Error("web: free slots", "counselor", id, "err", err)
			pn.SlotsFailed = true
			return pn, nil
		}
	}
	for i := range 7 {
		pn.Days = append(pn.Days, slotDay{Day: addDays(pn.Week, i)})
	}
	for _, sl := range week {
		if sl.Start.Before(pn.Week) || !sl.Start.Before(end) {
			continue
		}
		for i := range pn.Days {
			if dayOf(sl.Start, zone).Equal(pn.Days[i].Day) {
				pn.Days[i].Slots = append(pn.Days[i].Slots, sl)
				pn.Any = true
			}
		}
	}
	if pn.Week.After(first) {
		pn.Prev = pn.pickerURL(addDays(pn.Week, -7))
	}
	if pn.Week.Before(last) {
		pn.Next = pn.pickerURL(addDays(pn.Week, 7))
	}
	return pn, nil
}

// LastDay is the Sunday of the week shown.
func (p slotsPanel) LastDay() time.Time { return addDays(p.Week, 6) }

// slotPicker is what the picker partial shows: the panel, and whether a
// slot is a link to the booking form ("link") or a choice in a form
// elsewhere on the page ("radio", with that form's id).
type slotPicker struct {
	V         BookingFormat
	P         slotsPanel
	Mode      string
	Form      string
	Counselor uuid.UUID
}

// SlotPicker pairs a panel with the view for the picker partial; a
// "radio" picker's choices belong to the form with id form.
func (v BookingFormat) SlotPicker(p slotsPanel, counselorID uuid.UUID, mode, form string) slotPicker {
	return slotPicker{V: v, P: p, Mode: mode, Form: form, Counselor: counselorID}
}

// ZoneOption is a zone's name with its offset from UTC now, as the zone
// switch lists it, at the instant at (the week shown, so a zone with
// DST shows the offset that week has): "Europe/Berlin (UTC+01:00)".
func (v BookingFormat) ZoneOption(name string, at time.Time) string {
	loc, err := account.LoadZone(name)
	if err != nil {
		return name
	}
	return name + " (UTC" + at.In(loc).Format("-07:00") + ")"
}
