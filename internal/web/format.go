package web

import (
	"fmt"
	"html/template"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/platform/japan"

	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/booking"
)

// Format is the request's language for a page's own methods: page data
// embeds it (directly or through a small helper such as bookingFormat),
// and render fills it in before the template runs. Its methods are the
// translating helpers many pages share; a page's own labels are methods of
// that page.
type Format struct {
	translator
	Lang  string
	path  string           // the current path with query (programme steps)
	rooms *booking.Service // the video room's window, for "join" links
}

// formatType is Format's type, which localize looks for.
var formatType = reflect.TypeFor[Format]()

// localize returns data with every Format in it (embedded at any depth)
// set to f: a pointer to a copy when data is a struct value, data itself
// when it is a pointer.
func localize(data any, f Format) any {
	if data == nil {
		return nil
	}
	rv := reflect.ValueOf(data)
	if rv.Kind() == reflect.Pointer {
		if !rv.IsNil() {
			setFormats(rv.Elem(), f)
		}
		return data
	}
	if rv.Kind() != reflect.Struct {
		return data
	}
	p := reflect.New(rv.Type())
	p.Elem().Set(rv)
	setFormats(p.Elem(), f)
	return p.Interface()
}

// setFormats sets the Format fields of the struct v and of the structs
// embedded in it.
func setFormats(v reflect.Value, f Format) {
	if v.Kind() != reflect.Struct {
		return
	}
	if v.Type() == formatType {
		v.Set(reflect.ValueOf(f))
		return
	}
	for i := range v.NumField() {
		sf := v.Type().Field(i)
		if sf.Anonymous && sf.IsExported() && sf.Type.Kind() == reflect.Struct {
			setFormats(v.Field(i), f)
		}
	}
}

// label translates a code through one of the code → message id maps; an
// unknown code (added elsewhere, e.g. an operator's own plan) is shown as
// it is.
func (f Format) label(keys map[string]string, code string) string {
	if k, ok := keys[code]; ok {
		return f.T(k)
	}
	return code
}

// Err is the message next to a form field, or nothing.
func (f Format) Err(errs formErrors, field string) template.HTML {
	key := errs[field]
	if key == "" {
		return ""
	}
	return template.HTML(`<small class="field-error" id="err-` + template.HTMLEscapeString(field) + `">` +
		template.HTMLEscapeString(f.T(key)) + `</small>`)
}

// ErrText is the translated message of a field's error, or "".
func (f Format) ErrText(errs formErrors, field string) string {
	if key := errs[field]; key != "" {
		return f.T(key)
	}
	return ""
}

// FormError is the message of a whole form, or "".
func (f Format) FormError(errs formErrors) string { return f.ErrText(errs, "") }

// Label is the name of code in the vocabulary group ("theme", "format", …);
// an unknown code is shown as it is.
func (f Format) Label(group, code string) string {
	voc, ok := vocabularies[group]
	if !ok {
		return code
	}
	return f.label(voc.keys, code)
}

// Labels joins the names of codes with the language's list separator.
func (f Format) Labels(group string, codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = f.Label(group, c)
	}
	return strings.Join(out, f.T("list_separator"))
}

// LabelPtr is Label of an optional code ("" when unset).
func (f Format) LabelPtr(group string, code *string) string {
	if code == nil || *code == "" {
		return ""
	}
	return f.Label(group, *code)
}

// Month shows a YYYY-MM period as 2026年10月 or October 2026.
func (f Format) Month(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	if f.Lang == "en" {
		return t.Format("January 2006")
	}
	return t.Format("2006年1月")
}

// Day shows a YYYY-MM-DD date in the page's language.
func (f Format) Day(d string) string {
	t, err := time.Parse(time.DateOnly, d)
	if err != nil {
		return d
	}
	if f.Lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("2006年1月2日")
}

// Weekday is an ISO weekday's full name (月曜日 / Monday).
func (f Format) Weekday(d int) string { return f.label(weekdayKeys, string(rune('0'+d))) }

func (f Format) wdayShort(t time.Time) string {
	d := int(t.Weekday())
	if d == 0 {
		d = 7
	}
	return f.label(weekdayShortKeys, string(rune('0'+d)))
}

// DayHeading is a day's heading in loc: 1月5日（月）/ Mon 1/5.
func (f Format) DayHeading(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return f.T("day_heading", "Month", int(t.Month()), "Day", t.Day(), "Weekday", f.wdayShort(t))
}

// When is a session's date and hours in loc: 2026-01-05（月）10:00–10:50.
func (f Format) When(start, end time.Time, loc *time.Location) string {
	s := start.In(loc)
	return s.Format("2006-01-02") + f.T("wday_paren", "Weekday", f.wdayShort(s)) + " " +
		s.Format("15:04") + "–" + end.In(loc).Format("15:04")
}

// pager is what the pager partial shows.
type pager struct {
	V            Format
	Page, Pages  int
	Prev, Next   string // the neighbouring pages' addresses
	Target, Swap string // htmx target and swap ("" = htmx's default)
}

// Pager prepares the pager partial for page of pages.
func (f Format) Pager(page, pages int, prev, next, target, swap string) pager {
	return pager{V: f, Page: page, Pages: pages, Prev: prev, Next: next, Target: target, Swap: swap}
}

// jst is the platform's calendar.
var jst = japan.Zone

// formatFuncs are the formatting helpers that need no language, registered
// once for every template.
var formatFuncs = template.FuncMap{
	// time shows an instant in Japan time, the users' time zone.
	"time": func(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04") },
	// timePtr is time of an optional instant ("" when unset).
	"timePtr": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(jst).Format("2006-01-02 15:04")
	},
	// date shows the calendar day of an instant in Japan time.
	"date": func(t time.Time) string { return t.In(jst).Format("2006-01-02") },
	// clock is the time of day of t in loc (15:04).
	"clock": func(t time.Time, loc *time.Location) string { return t.In(loc).Format("15:04") },
	// timeIn is t in loc, with the date: 2026-01-05 10:00.
	"timeIn": func(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") },
	// instant is t as the RFC 3339 value forms and links carry (UTC, so no
	// "+" needs escaping).
	"instant": instant,
	// zoneName is a zone's IANA name.
	"zoneName": func(loc *time.Location) string { return loc.String() },
	// money shows an amount as ¥12,345.
	"money": invoicedoc.Yen,
	// yen formats an amount of yen with thousands separators ("12,000").
	"yen": yen,
	// invalid reports whether field has an error (for aria-invalid).
	"invalid": func(errs formErrors, field string) bool { return errs[field] != "" },
	// dept shows a department path with visible separators.
	"dept": dept,
	// rating shows an average rating with one decimal.
	"rating": rating,
}

// instant is t as the RFC 3339 value forms and links carry.
func instant(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// yen formats an amount of yen with thousands separators ("12,000").
func yen(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rating shows an average rating with one decimal ("" without one).
func rating(r *float64) string {
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%.1f", *r)
}

// dept shows a department path with visible separators.
func dept(path string) string { return strings.ReplaceAll(path, "/", " / ") }

// BookingFormat is what the pages that list, book or join sessions share:
// booking states, links that carry a programme step, the slot picker and
// the video room's window.
type BookingFormat struct{ Format }

// CounselorFormat is what the pages that show counsellors share: their
// states, vocabularies as checkboxes, avatars, ratings and cards.
type CounselorFormat struct{ Format }

// PeopleFormat names the codes of employees and contracts: plans, age and
// tenure bands, account states.
type PeopleFormat struct{ Format }

// BillingFormat names invoices', statements' and contracts' states and
// shows plans and invoice lines in the page's language.
type BillingFormat struct{ Format }

// RecordFormat names what session records and their alerts carry.
type RecordFormat struct{ Format }

// ProgrammeFormat names programmes, their states and reasons.
type ProgrammeFormat struct{ Format }

// ReportFormat draws a differentially private report: its tables, charts,
// keys and the guarantee it gives.
type ReportFormat struct{ Format }

// FeedbackFormat names what an employee shares with their company.
type FeedbackFormat struct{ Format }

// AuditFormat names the audit log's actions and actors.
type AuditFormat struct{ Format }
