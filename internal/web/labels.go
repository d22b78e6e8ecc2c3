package web

import (
	"strings"
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

// Plan is a plan code's name.
func (v PeopleFormat) Plan(code string) string { return v.label(planKeys, code) }

// AgeBand is an age band's name ("" when unknown).
func (v PeopleFormat) AgeBand(b *string) string {
	if b == nil {
		return ""
	}
	return v.label(ageBandKeys, *b)
}

// TenureBand is a tenure band's name ("" when unknown).
func (v PeopleFormat) TenureBand(b *string) string {
	if b == nil {
		return ""
	}
	return v.label(tenureBandKeys, *b)
}

// Status is an employee status's name.
func (v PeopleFormat) Status(s string) string { return v.label(statusKeys, s) }

// Role is a role's name.
func (v *View) Role(r string) string {
	if k, ok := roleKeys[r]; ok {
		return v.T(k)
	}
	return r
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
