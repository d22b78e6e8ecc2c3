package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/BurntSushi/toml"

	webfs "github.com/taiwa/taiwa/web"
)

// notKeys are snake_case string literals in this package's Go code that are
// not message ids (form fields, codes, cookie names, page names).
var notKeys = map[string]bool{
	// forms slice: the availability editor's copy fields and preview fragment
	"copy_from": true, "copy_to": true, "slot_preview": true,
	"department_id": true, "plan_code": true, "min_group": true, "password_confirm": true,
	"company_admin": true, "per_session": true, "per_seat": true, "csrf_failed": true,
	"taiwa_csrf": true, "taiwa_flash": true, "taiwa_session": true,
	// other formats: form field and API reasons
	"in_person": true, "in_person_place": true, "invalid_meeting_link": true, "phone_required": true,
	// second factor: pages, cookie, form field, API reason
	"account_security": true, "invalid_challenge": true, "login_mfa": true, "recovery_codes": true,
	"require_admin_mfa": true, "taiwa_mfa": true, "totp_enrol": true,
	"password_forgot": true, "password_set": true, "employee_home": true, "counselor_home": true,
	"operator_companies": true, "operator_mail": true, "operator_mail_show": true,
	"import_response": true, "employee_code": true, "job_family": true, "tenure_band": true,
	// counsellor pages: form fields, query parameters, API reasons, pages
	"display_name": true, "years_experience": true, "rate_jpy": true, "age_band": true,
	"job_functions": true, "job_function": true, "registration_number": true, "issued_on": true,
	"expires_on": true, "no_verified_credential": true, "available_within_days": true, "per_page": true,
	"counselor_profile": true, "counselor_credentials": true, "operator_counselors": true,
	"operator_counselor": true, "counselor_search": true, "counselor_show": true, "results_response": true,
	// booking pages: form fields, API reasons, pages
	"slot_minutes": true, "buffer_minutes": true, "min_notice_minutes": true, "horizon_days": true,
	"max_per_day": true, "idempotency_key": true, "slot_unavailable": true, "plan_exhausted": true, "step_not_bookable": true, "enrolment_not_active": true,
	"theme_not_offered": true, "start_in_past": true, "format_not_offered": true, "counselor_availability": true, "counselor_sessions": true,
	"booking_new": true, "session_show": true, "session_reschedule": true, "session_cancel": true,
	// billing pages: form fields, API reasons, pages
	"name_ja": true, "name_en": true, "is_trial": true, "monthly_fee_jpy": true, "session_price_jpy": true,
	"seat_price_jpy": true, "included_sessions": true, "overage_price_jpy": true, "session_cap": true,
	"late_cancel_notice_hours": true, "starts_on": true, "ends_on": true, "period_not_ended": true,
	"billing_invoices": true, "invoice_show": true, "billing_usage": true, "billing_earnings": true,
	"operator_plans": true, "operator_contract": true, "operator_billing": true,
	// matching pages: questionnaire items and form fields, pages
	"self_direction": true, "listening_advising": true, "structured_free": true, "gentle_challenging": true,
	"age_bands": true, "time_of_day": true, "fit_questionnaire": true,
	// programme pages: decline reason codes, partials, pages
	"not_needed": true, "no_time": true, "other_support": true, "programme_card": true,
	"programme_mine": true, "programme_list": true, "programme_show": true,
	"feedback_session": true, "shared_list": true, "consent_text_version": true, "audit_log": true,
	// record pages: observation and outcome codes, pages
	"management_style": true, "harassment_climate": true, "career_path": true, "pay_evaluation": true,
	"work_life": true, "contacted_counselor": true, "emergency_services": true, "employee_safe": true,
	"record_edit": true, "operator_alerts": true, "operator_alerts_show": true,
	// slot picker, time zone, calendar: page, form field
	"account_settings": true, "timezone_other": true,
	// privacy page: form field, consent snapshot field
	"opt_out": true, "session_month": true,
	// report dashboard: page, CSV columns of a row's numbers
	"report_dashboard": true, "person_months": true, "satisfaction_avg": true, "wellbeing_avg": true,
	// user lifecycle: pages
	"operator_users": true, "user_confirm": true,
	// reviews: page
	"operator_reviews": true,
}

var (
	templateKey = regexp.MustCompile(`\.T "([a-z0-9_]+)"`)
	goLiteral   = regexp.MustCompile(`"([a-z][a-z0-9]*(?:_[a-z0-9]+)+)"`)
)

func catalogueKeys(t *testing.T, lang string) map[string]bool {
	t.Helper()
	files, err := catalogueFiles(webfs.FS, lang)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, f := range files {
		var m map[string]any
		if _, err := toml.DecodeFS(webfs.FS, f, &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			if s, ok := v.(string); !ok || s == "" {
				t.Errorf("%s: %s is not a non-empty string", f, k)
			}
			keys[k] = true
		}
	}
	return keys
}

// usedKeys collects message ids from templates (.T "key") and from this
// package's Go code (snake_case literals, minus notKeys).
func usedKeys(t *testing.T) map[string]string {
	t.Helper()
	used := map[string]string{}
	err := fs.WalkDir(webfs.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(webfs.FS, p)
		for _, m := range templateKey.FindAllSubmatch(b, -1) {
			used[string(m[1])] = p
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if filepath.Ext(f) == ".go" && len(f) > 8 && f[len(f)-8:] == "_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goLiteral.FindAllSubmatch(b, -1) {
			if !notKeys[string(m[1])] {
				used[string(m[1])] = f
			}
		}
	}
	// The code labels are built from the vocabularies, not written out.
	for _, m := range labelMaps {
		for _, k := range m {
			used[k] = "labels"
		}
	}
	return used
}

// TestCatalogueHasEveryKeyInBothLanguages proves every message the UI asks
// for exists in Japanese and English, and that no catalogue holds dead keys.
func TestCatalogueHasEveryKeyInBothLanguages(t *testing.T) {
	t.Parallel()
	used := usedKeys(t)
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for _, lang := range Languages {
		keys := catalogueKeys(t, lang)
		var missing, unused []string
		for k, where := range used {
			if !keys[k] {
				missing = append(missing, k+" ("+where+")")
			}
		}
		for k := range keys {
			if _, ok := used[k]; !ok {
				unused = append(unused, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(unused)
		if len(missing) > 0 {
			t.Errorf("%s.toml lacks %v", lang, missing)
		}
		if len(unused) > 0 {
			t.Errorf("%s.toml has unused keys %v", lang, unused)
		}
	}
	// Every code of every vocabulary the counsellor pages show has a label.
	for name, voc := range vocabularies {
		for _, code := range voc.codes {
			if _, ok := voc.keys[code]; !ok {
				t.Errorf("%s %q has no label", name, code)
			}
		}
	}
}

// TestNewParsesEveryPage proves the templates and catalogues load, and that
// the catalogue check refuses catalogues that differ.
func TestNewParsesEveryPage(t *testing.T) {
	t.Parallel()
	s, err := New(Deps{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range pageNames {
		if s.pages[name] == nil {
			t.Errorf("page %s not parsed", name)
		}
	}
	if d := keyDiff(map[string]bool{"a": true, "b": true}, map[string]bool{"a": true}); len(d) != 1 || d[0] != "b" {
		t.Errorf("keyDiff = %v, want [b]", d)
	}
}
