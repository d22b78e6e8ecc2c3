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

	CopyFrom int    // the weekday whose ranges "copy to days" copies
	Done     string // message id of what the last edit did (not saved yet)
	Focus    string // the input to focus after an edit (a new row's start)
}

// availabilityPage is the editor with its choices and the slots its
// current state would offer.
type availabilityPage struct {
	Format
	Form    availabilityForm
	Zones   []string
	Preview slotPreview
}

// slotPreview is what the schedule as entered would offer employees over
// the next days, from the booking pages' own slot rule.
type slotPreview struct {
	Days    []previewDay
	Zone    *time.Location
	Problem []string // the fields to fix before a preview can be shown
}

// previewDay is one local day of the preview.
type previewDay struct {
	Day   time.Time
	Slots []booking.Slot
}

// Weekdays lists 1 (Monday) to 7 (Sunday) for the copy controls.
func (availabilityPage) Weekdays() []int { return []int{1, 2, 3, 4, 5, 6, 7} }

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

// applyRowOp adds or removes a row ("add:3", "remove:3:1", "addov"),
// copies a weekday's ranges to other days ("copy", with copy_from and
// copy_to), or only refreshes the preview ("preview"), and reports whether
// the post was such an edit rather than a save.
func applyRowOp(f *availabilityForm, op string, form url.Values) bool {
	parts := strings.Split(op, ":")
	switch {
	case op == "preview":
		return true
	case op == "copy":
		applyCopy(f, form.Get("copy_from"), form["copy_to"])
		return true
	case len(parts) == 2 && parts[0] == "add":
		if wd, err := strconv.Atoi(parts[1]); err == nil && wd >= 1 && wd <= 7 && len(f.Days[wd-1].Rows) < maxRangeRows {
			f.Days[wd-1].Rows = append(f.Days[wd-1].Rows, timeRow{})
			f.Focus = rangeField("start", wd, len(f.Days[wd-1].Rows)-1)
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

// applyCopy replaces the ranges of each weekday in to with the filled
// ranges of weekday from, in one edit. Unknown days are ignored; a copy
// without target days says so.
func applyCopy(f *availabilityForm, from string, to []string) {
	src, err := strconv.Atoi(from)
	if err != nil || src < 1 || src > 7 {
		src = 1
	}
	f.CopyFrom = src
	var rows []timeRow
	for _, r := range f.Days[src-1].Rows {
		if r != (timeRow{}) {
			rows = append(rows, r)
		}
	}
	copied := 0
	for _, d := range to {
		wd, err := strconv.Atoi(d)
		if err != nil || wd < 1 || wd > 7 || wd == src {
			continue
		}
		f.Days[wd-1].Rows = slices.Clone(rows)
		copied++
	}
	if copied == 0 {
		f.Done = "avail_copy_none"
		return
	}
	f.Done = "avail_copy_done"
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

// formValues writes the editor back as the form it came from, so an edit
// (a copy, an added row) is read again as the schedule it now describes.
func formValues(f availabilityForm) url.Values {
	v := url.Values{"timezone": {f.Timezone}, "slot_minutes": {f.Slot}, "buffer_minutes": {f.Buffer},
		"min_notice_minutes": {f.Notice}, "horizon_days": {f.Horizon}, "max_per_day": {f.MaxPerDay}}
	for _, d := range f.Days {
		for i, r := range d.Rows {
			v.Set(rangeField("start", d.Weekday, i), r.Start)
			v.Set(rangeField("end", d.Weekday, i), r.End)
		}
	}
	for i, o := range f.Overrides {
		v.Set(overrideField("date", i), o.Date)
		v.Set(overrideField("kind", i), o.Kind)
		v.Set(overrideField("start", i), o.Start)
		v.Set(overrideField("end", i), o.End)
	}
	return v
}

// preview computes the slots the editor's current state would offer. A
// state the domain would refuse yields no days but the fields to fix.
func (s *Server) preview(c echo.Context, f availabilityForm) (slotPreview, error) {
	draft, a, weeklyAt, overrideAt := readAvailability(formValues(f))
	pv := slotPreview{Zone: employeeZone}
	if draft.Errors.Any() {
		pv.Problem = problemFields(draft.Errors)
		return pv, nil
	}
	p, _ := principalOf(c)
	slots, err := s.Bookings.PreviewSlots(c.Request().Context(), p, a)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		domainFieldErrors(&draft, e.Fields, weeklyAt, overrideAt)
		pv.Problem = problemFields(draft.Errors)
		return pv, nil
	} else if err != nil {
		return pv, err
	}
	pv.Zone = loadZone(a.Timezone)
	day := s.Clock.Now().In(pv.Zone)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, pv.Zone)
	for range booking.PreviewDays + 1 {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, pv.Zone)
		pd := previewDay{Day: day}
		for _, sl := range slots {
			if !sl.Start.Before(day) && sl.Start.Before(next) {
				pd.Slots = append(pd.Slots, sl)
			}
		}
		pv.Days = append(pv.Days, pd)
		day = next
	}
	return pv, nil
}

// problemFields lists the inputs with an error, in a steady order.
func problemFields(errs formErrors) []string {
	var out []string
	for f := range errs {
		if f != "" {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// availabilityPreview answers the editor's live preview (an htmx
// fragment, re-rendered as the form changes): 200 with the slots, or 422
// naming the fields to fix first.
func (s *Server) availabilityPreview(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return apperr.Invalid("the form could not be read", nil)
	}
	f, _, _, _ := readAvailability(form)
	pv, err := s.preview(c, f)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(pv.Problem) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.renderPartial(c, status, pageCounselorAvailability, "slot_preview", availabilityPage{Form: f, Preview: pv})
}

func (s *Server) renderAvailability(c echo.Context, status int, f availabilityForm) error {
	if f.CopyFrom == 0 {
		f.CopyFrom = 1
	}
	pv, err := s.preview(c, f)
	if err != nil {
		return err
	}
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
	return s.render(c, status, pageCounselorAvailability, availabilityPage{Form: f, Zones: zones, Preview: pv})
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
	if applyRowOp(&f, form.Get("op"), form) {
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

// availabilityLabels are the editor's plain inputs' labels.
var availabilityLabels = map[string]string{
	"timezone": "avail_timezone", "slot_minutes": "avail_slot_minutes", "buffer_minutes": "avail_buffer_minutes",
	"min_notice_minutes": "avail_notice_minutes", "horizon_days": "avail_horizon_days", "max_per_day": "avail_max_per_day",
}

var inputNamePattern = regexp.MustCompile(`^(start|end)_(\d)_(\d+)$|^ov[a-z]+_(\d+)$`)

// AvailField names one of the editor's inputs for a person: the preview
// lists the inputs to fix with it.
func (v availabilityPage) AvailField(name string) string {
	if key, ok := availabilityLabels[name]; ok {
		return v.T(key)
	}
	m := inputNamePattern.FindStringSubmatch(name)
	switch {
	case m == nil:
		return name
	case m[1] != "":
		wd, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		key := "avail_range_start"
		if m[1] == "end" {
			key = "avail_range_end"
		}
		return v.T(key, "Day", v.Weekday(wd), "N", n+1)
	}
	n, _ := strconv.Atoi(m[4])
	return v.T("avail_preview_override_row", "N", n+1)
}

// availDay is one weekday of the editor with the view, for its template.
type availDay struct {
	V availabilityPage
	D dayRows
}

// AvailDay pairs a weekday's rows with the view (the week_day template
// is also the fragment an added row swaps in).
func (v availabilityPage) AvailDay(d dayRows) availDay { return availDay{V: v, D: d} }
