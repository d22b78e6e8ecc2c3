package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// availabilityZones are the zones the editor offers, Japan first; a zone
// saved through the API that is not listed is offered too.
var availabilityZones = []string{
	"Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Singapore", "Australia/Sydney",
	"Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles",
}

const (
	minRangeRows    = 3  // range rows shown per weekday (blank ones ignored)
	maxRangeRows    = 8  // rows a weekday may have
	minOverrideRows = 2  // blank override rows offered
	maxOverrideRows = 40 // override rows read from a form
)

// Override kinds of the editor.
const (
	overrideOff   = "off"
	overrideExtra = "extra"
)

// timeRow is one range as entered.
type timeRow struct{ Start, End string }

// dayRows is one weekday's ranges.
type dayRows struct {
	Weekday int
	Rows    []timeRow
}

// overrideRow is one date override as entered.
type overrideRow struct{ Date, Kind, Start, End string }

// availabilityForm is the editor, kept as entered on error.
type availabilityForm struct {
	Timezone, Slot, Buffer, Notice, Horizon, MaxPerDay string

	Days      []dayRows
	Overrides []overrideRow
	Errors    formErrors
}

// availabilityPage is the editor with its choices.
type availabilityPage struct {
	Form  availabilityForm
	Zones []string
}

// Field names of the editor's rows.
func rangeField(part string, wd, i int) string { return fmt.Sprintf("%s_%d_%d", part, wd, i) }
func overrideField(part string, i int) string  { return fmt.Sprintf("ov%s_%d", part, i) }

// StartName and the others name a row's inputs in templates.
func (availabilityPage) StartName(wd, i int) string { return rangeField("start", wd, i) }

// EndName is the name of a range's end input.
func (availabilityPage) EndName(wd, i int) string { return rangeField("end", wd, i) }

// OvName is the name of an override row's input.
func (availabilityPage) OvName(part string, i int) string { return overrideField(part, i) }

// padRows leaves at least min rows, one of them blank when there is room.
func padRows(d *dayRows) {
	for len(d.Rows) < minRangeRows || (len(d.Rows) < maxRangeRows && d.Rows[len(d.Rows)-1] != (timeRow{})) {
		d.Rows = append(d.Rows, timeRow{})
	}
}

func padOverrides(f *availabilityForm) {
	blank := 0
	for _, o := range f.Overrides {
		if o.Date == "" {
			blank++
		}
	}
	for ; blank < minOverrideRows && len(f.Overrides) < maxOverrideRows; blank++ {
		f.Overrides = append(f.Overrides, overrideRow{Kind: overrideOff})
	}
}

// availabilityFormOf shows a stored schedule.
func availabilityFormOf(a booking.Availability) availabilityForm {
	f := availabilityForm{
		Timezone: a.Timezone, Slot: strconv.Itoa(a.SlotMinutes), Buffer: strconv.Itoa(a.BufferMinutes),
		Notice: strconv.Itoa(a.MinNoticeMinutes), Horizon: strconv.Itoa(a.HorizonDays),
		MaxPerDay: strconv.Itoa(a.MaxPerDay), Errors: formErrors{},
	}
	if f.Timezone == "" {
		f.Timezone = "Asia/Tokyo"
	}
	for wd := 1; wd <= 7; wd++ {
		d := dayRows{Weekday: wd}
		for _, r := range a.Weekly {
			if r.Weekday == wd {
				d.Rows = append(d.Rows, timeRow{r.Start, r.End})
			}
		}
		padRows(&d)
		f.Days = append(f.Days, d)
	}
	for _, o := range a.Overrides {
		row := overrideRow{Date: o.Date, Kind: overrideOff, Start: deref(o.Start), End: deref(o.End)}
		if o.Available {
			row.Kind = overrideExtra
		}
		f.Overrides = append(f.Overrides, row)
	}
	padOverrides(&f)
	return f
}

var clockPattern = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// validClock accepts HH:MM (a browser's time input may add seconds).
func validClock(v string) (string, bool) {
	if len(v) == 8 && strings.HasSuffix(v, ":00") {
		v = v[:5]
	}
	return v, clockPattern.MatchString(v)
}

// readAvailability reads the posted editor. Blank rows are left out; the
// index lists say which form row each weekly range and override came from,
// so the domain's field errors can be shown beside the right inputs.
func readAvailability(form url.Values) (availabilityForm, booking.Availability, [][2]string, []int) {
	f := availabilityForm{
		Timezone: form.Get("timezone"), Slot: strings.TrimSpace(form.Get("slot_minutes")),
		Buffer: strings.TrimSpace(form.Get("buffer_minutes")), Notice: strings.TrimSpace(form.Get("min_notice_minutes")),
		Horizon: strings.TrimSpace(form.Get("horizon_days")), MaxPerDay: strings.TrimSpace(form.Get("max_per_day")),
		Errors: formErrors{},
	}
	a := booking.Availability{Timezone: f.Timezone}
	if !slices.Contains(availabilityZones, f.Timezone) {
		if _, err := time.LoadLocation(f.Timezone); f.Timezone == "" || err != nil {
			f.Errors.add("timezone", "avail_err_timezone")
		}
	}
	a.SlotMinutes = f.Errors.intIn("slot_minutes", f.Slot, 0, 24*60, "avail_err_minutes")
	a.BufferMinutes = f.Errors.intIn("buffer_minutes", f.Buffer, 0, 24*60, "avail_err_minutes")
	a.MinNoticeMinutes = f.Errors.intIn("min_notice_minutes", f.Notice, 0, 366*24*60, "avail_err_minutes")
	a.HorizonDays = f.Errors.intIn("horizon_days", f.Horizon, 0, 3660, "avail_err_days")
	a.MaxPerDay = f.Errors.intIn("max_per_day", f.MaxPerDay, 0, 1000, "avail_err_count")

	var weeklyAt [][2]string // index in a.Weekly → the row's start and end fields
	for wd := 1; wd <= 7; wd++ {
		d := dayRows{Weekday: wd}
		for i := 0; i < maxRangeRows; i++ {
			sf, ef := rangeField("start", wd, i), rangeField("end", wd, i)
			if _, ok := form[sf]; !ok {
				break
			}
			row := timeRow{strings.TrimSpace(form.Get(sf)), strings.TrimSpace(form.Get(ef))}
			d.Rows = append(d.Rows, row)
			if row == (timeRow{}) {
				continue
			}
			start, okS := validClock(row.Start)
			end, okE := validClock(row.End)
			if !okS {
				f.Errors.add(sf, "avail_err_time")
			}
			if !okE {
				f.Errors.add(ef, "avail_err_time")
			}
			a.Weekly = append(a.Weekly, booking.WeeklyRange{Weekday: wd, Start: start, End: end})
			weeklyAt = append(weeklyAt, [2]string{sf, ef})
		}
		f.Days = append(f.Days, d)
	}

	var overrideAt []int // index in a.Overrides → form row
	for i := 0; i < maxOverrideRows; i++ {
		df := overrideField("date", i)
		if _, ok := form[df]; !ok {
			break
		}
		row := overrideRow{Date: strings.TrimSpace(form.Get(df)), Kind: form.Get(overrideField("kind", i)),
			Start: strings.TrimSpace(form.Get(overrideField("start", i))), End: strings.TrimSpace(form.Get(overrideField("end", i)))}
		if row.Kind != overrideExtra {
			row.Kind = overrideOff
		}
		f.Overrides = append(f.Overrides, row)
		if row.Date == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, row.Date); err != nil {
			f.Errors.add(df, "avail_err_date")
		}
		o := booking.Override{Date: row.Date, Available: row.Kind == overrideExtra}
		if o.Available {
			start, okS := validClock(row.Start)
			end, okE := validClock(row.End)
			if !okS {
				f.Errors.add(overrideField("start", i), "avail_err_time")
			}
			if !okE {
				f.Errors.add(overrideField("end", i), "avail_err_time")
			}
			o.Start, o.End = &start, &end
		}
		a.Overrides = append(a.Overrides, o)
		overrideAt = append(overrideAt, i)
	}
	return f, a, weeklyAt, overrideAt
}

// applyRowOp adds or removes a row ("add:3", "remove:3:1", "addov") and
// reports whether the post was such an edit rather than a save.
func applyRowOp(f *availabilityForm, op string) bool {
	parts := strings.Split(op, ":")
	switch {
	case len(parts) == 2 && parts[0] == "add":
		if wd, err := strconv.Atoi(parts[1]); err == nil && wd >= 1 && wd <= 7 && len(f.Days[wd-1].Rows) < maxRangeRows {
			f.Days[wd-1].Rows = append(f.Days[wd-1].Rows, timeRow{})
		}
		return true
	case len(parts) == 3 && parts[0] == "remove":
		wd, err1 := strconv.Atoi(parts[1])
		i, err2 := strconv.Atoi(parts[2])
		if err1 == nil && err2 == nil && wd >= 1 && wd <= 7 && i >= 0 && i < len(f.Days[wd-1].Rows) {
			f.Days[wd-1].Rows = slices.Delete(f.Days[wd-1].Rows, i, i+1)
		}
		return true
	case op == "addov":
		if len(f.Overrides) < maxOverrideRows {
			f.Overrides = append(f.Overrides, overrideRow{Kind: overrideOff})
		}
		return true
	}
	return false
}

// availabilityFieldKeys are the messages for the domain's plain fields.
var availabilityFieldKeys = map[string]string{
	"timezone":           "avail_err_timezone",
	"slot_minutes":       "avail_err_out_of_range",
	"buffer_minutes":     "avail_err_out_of_range",
	"min_notice_minutes": "avail_err_out_of_range",
	"horizon_days":       "avail_err_out_of_range",
	"max_per_day":        "avail_err_out_of_range",
}

var rowFieldPattern = regexp.MustCompile(`^(weekly|overrides)\[(\d+)\](?:\.([a-z_]+))?$`)

// domainFieldErrors places the domain's field errors (`weekly[2].start`,
// `overrides[0].date`, `slot_minutes`) beside the form's inputs.
func domainFieldErrors(f *availabilityForm, fields map[string]string, weeklyAt [][2]string, overrideAt []int) {
	for field := range fields {
		if key, ok := availabilityFieldKeys[field]; ok {
			f.Errors.add(field, key)
			continue
		}
		m := rowFieldPattern.FindStringSubmatch(field)
		if m == nil {
			f.Errors.add("", "avail_err_form")
			continue
		}
		i, _ := strconv.Atoi(m[2])
		switch {
		case m[1] == "weekly" && i < len(weeklyAt):
			if m[3] == "start" {
				f.Errors.add(weeklyAt[i][0], "avail_err_range")
			} else {
				f.Errors.add(weeklyAt[i][1], "avail_err_range")
			}
		case m[1] == "overrides" && i < len(overrideAt) && m[3] == "date":
			f.Errors.add(overrideField("date", overrideAt[i]), "avail_err_override_date")
		case m[1] == "overrides" && i < len(overrideAt):
			part := m[3]
			if part != "end" {
				part = "start"
			}
			f.Errors.add(overrideField(part, overrideAt[i]), "avail_err_range")
		default:
			f.Errors.add("", "avail_err_form")
		}
	}
}

func (s *Server) renderAvailability(c echo.Context, status int, f availabilityForm) error {
	if f.Errors.Any() {
		// The editor is long: say at the top that fields below need a look.
		f.Errors.add("", "avail_err_form")
	}
	zones := availabilityZones
	if f.Timezone != "" && !slices.Contains(zones, f.Timezone) && f.Errors["timezone"] == "" {
		zones = append(slices.Clone(zones), f.Timezone)
	}
	for i := range f.Days {
		padRows(&f.Days[i])
	}
	padOverrides(&f)
	return s.render(c, status, pageCounselorAvailability, availabilityPage{Form: f, Zones: zones})
}

func (s *Server) availabilityShow(c echo.Context) error {
	p, _ := principalOf(c)
	a, err := s.Bookings.GetAvailability(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return s.renderAvailability(c, http.StatusOK, availabilityFormOf(a))
}

func (s *Server) availabilitySave(c echo.Context) error {
	p, _ := principalOf(c)
	form, err := c.FormParams()
	if err != nil {
		return apperr.Invalid("the form could not be read", nil)
	}
	f, a, weeklyAt, overrideAt := readAvailability(form)
	if applyRowOp(&f, form.Get("op")) {
		f.Errors = formErrors{}
		return s.renderAvailability(c, http.StatusOK, f)
	}
	if f.Errors.Any() {
		return s.renderAvailability(c, http.StatusBadRequest, f)
	}
	_, err = s.Bookings.SetAvailability(c.Request().Context(), p, a)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		domainFieldErrors(&f, e.Fields, weeklyAt, overrideAt)
		if !f.Errors.Any() {
			f.Errors.add("", "avail_err_form")
		}
		return s.renderAvailability(c, http.StatusBadRequest, f)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "flash_availability_saved")
	return c.Redirect(http.StatusSeeOther, "/counselor/availability")
}
