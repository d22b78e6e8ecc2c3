package web

import (
	"html/template"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/platform/japan"
)

// Message ids of the codes the UI shows. The catalogue test checks each.
var (
	planKeys = map[string]string{
		"trial": "plan_trial", "per_session": "plan_per_session",
		"subscription": "plan_subscription", "per_seat": "plan_per_seat",
	}
	ageBandKeys = map[string]string{
		"20s": "band_age_20s", "30s": "band_age_30s", "40s": "band_age_40s",
		"50s": "band_age_50s", "60s": "band_age_60s", "70s": "band_age_70s",
	}
	tenureBandKeys = map[string]string{
		"0-2y": "band_tenure_0_2", "3-5y": "band_tenure_3_5", "6-10y": "band_tenure_6_10", "11y+": "band_tenure_11",
	}
	statusKeys = map[string]string{
		"invited": "status_invited", "active": "status_active", "disabled": "status_disabled",
	}
	roleKeys = map[string]string{
		"employee": "role_employee", "counselor": "role_counselor",
		"company_admin": "role_company_admin", "operator": "role_operator",
	}
)

// label translates a code through one of the maps above; an unknown code
// (added elsewhere, e.g. an operator's own plan) is shown as it is.
func (v *View) label(keys map[string]string, code string) string {
	if k, ok := keys[code]; ok {
		return v.T(k)
	}
	return code
}

// Plan is a plan code's name.
func (v *View) Plan(code string) string { return v.label(planKeys, code) }

// AgeBand is an age band's name ("" when unknown).
func (v *View) AgeBand(b *string) string {
	if b == nil {
		return ""
	}
	return v.label(ageBandKeys, *b)
}

// TenureBand is a tenure band's name ("" when unknown).
func (v *View) TenureBand(b *string) string {
	if b == nil {
		return ""
	}
	return v.label(tenureBandKeys, *b)
}

// Status is an employee status's name.
func (v *View) Status(s string) string { return v.label(statusKeys, s) }

// Role is a role's name.
func (v *View) Role(r string) string { return v.label(roleKeys, r) }

// Dept shows a department path with visible separators.
func (v *View) Dept(path string) string { return strings.ReplaceAll(path, "/", " / ") }

// Err is the message next to a form field, or nothing.
func (v *View) Err(errs formErrors, field string) template.HTML {
	key := errs[field]
	if key == "" {
		return ""
	}
	return template.HTML(`<small class="field-error" id="err-` + template.HTMLEscapeString(field) + `">` +
		template.HTMLEscapeString(v.T(key)) + `</small>`)
}

// Invalid reports whether field has an error (for aria-invalid).
func (v *View) Invalid(errs formErrors, field string) bool { return errs[field] != "" }

// FormError is the message of a whole form, or "".
func (v *View) FormError(errs formErrors) string {
	if key := errs[""]; key != "" {
		return v.T(key)
	}
	return ""
}

// Active reports whether the current page is under prefix (navigation).
func (v *View) Active(prefix string) bool {
	p, _, _ := strings.Cut(v.Path, "?")
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// At reports whether the current page is exactly path.
func (v *View) At(path string) bool {
	p, _, _ := strings.Cut(v.Path, "?")
	return p == path
}

var jst = japan.Zone // the platform's calendar

// Time shows an instant in Japan time, the users' time zone.
func (v *View) Time(t time.Time) string { return t.In(jst).Format("2006-01-02 15:04") }

// pager is what the pager partial shows.
type pager struct {
	V            *View
	Page, Pages  int
	Prev, Next   string // the neighbouring pages' addresses
	Target, Swap string // htmx target and swap ("" = htmx's default)
}

// Pager prepares the pager partial for page of pages.
func (v *View) Pager(page, pages int, prev, next, target, swap string) pager {
	return pager{V: v, Page: page, Pages: pages, Prev: prev, Next: next, Target: target, Swap: swap}
}
