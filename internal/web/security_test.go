package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

var (
	challengeField = regexp.MustCompile(`name="challenge" value="([^"]*)"`)
	recoveryItem   = regexp.MustCompile(`<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>`)
)

// TestSecondFactorEnrolmentIsForcedThenAsked: a counsellor's first sign-in
// goes to enrolment and nowhere else; the QR code and key are shown, a
// wrong code is refused next to the field, the right one shows ten
// recovery codes once; the next sign-in asks for a code, and a recovery
// code works once.
func TestSecondFactorEnrolmentIsForcedThenAsked(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "c@taiwa.example", Name: "相談 花子", Role: auth.RoleCounselor, Password: "counselor-pass-2026"})
	b := newBrowser(t, h)
	p := b.post("/login", url.Values{"_csrf": {b.csrf("/login")}, "email": {"c@taiwa.example"}, "password": {"counselor-pass-2026"}})
	if p.Status != http.StatusSeeOther || p.location() != "/login/mfa/enrol" {
		t.Fatalf("password step: %d %q", p.Status, p.location())
	}
	if b.cookie("taiwa_session") != nil {
		t.Fatal("a session before the second factor")
	}
	// Nothing else opens before enrolment.
	if p := b.get("/account/security"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Fatalf("/account/security before enrolment: %d %q", p.Status, p.location())
	}
	if p := b.get("/login/mfa"); p.location() != "/login/mfa/enrol" {
		t.Fatalf("/login/mfa while enrolment is owed: %q", p.location())
	}
	en := b.get("/login/mfa/enrol")
	mustContain(t, en, `src="data:image/png;base64,`, `id="totp-secret"`, "認証アプリの設定")
	secret := strings.ReplaceAll(totpSecretText.FindStringSubmatch(en.Body)[1], " ", "")
	if again := b.get("/login/mfa/enrol"); !strings.Contains(strings.ReplaceAll(again.Body, " ", ""), secret) {
		t.Fatal("a reloaded enrolment page shows another secret")
	}
	h.RememberTOTP("c@taiwa.example", secret)
	tok := csrfField.FindStringSubmatch(en.Body)[1]
	bad := b.post("/login/mfa/enrol", url.Values{"_csrf": {tok}, "code": {"12345x"}})
	if bad.Status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", bad.Status)
	}
	mustContain(t, bad, `aria-invalid="true"`, "確認コードが正しくない")
	ok := b.post("/login/mfa/enrol", url.Values{"_csrf": {tok}, "code": {h.TOTPCode("c@taiwa.example")}})
	codes := recoveryItem.FindAllStringSubmatch(ok.Body, -1)
	if ok.Status != http.StatusOK || len(codes) != 10 {
		t.Fatalf("enrolment: %d, %d recovery codes", ok.Status, len(codes))
	}
	if p := b.get("/account/security"); p.Status != http.StatusOK || !strings.Contains(p.Body, "未使用のリカバリーコード: 10 個") {
		t.Fatalf("security page after enrolment: %d %s", p.Status, p.Body)
	}

	// Next sign-in: a code. Wrong first, then a recovery code.
	b2 := newBrowser(t, h)
	p = b2.post("/login", url.Values{"_csrf": {b2.csrf("/login")}, "email": {"c@taiwa.example"}, "password": {"counselor-pass-2026"}, "next": {"/counselor/sessions"}})
	if p.location() != "/login/mfa?next=%2Fcounselor%2Fsessions" {
		t.Fatalf("second sign-in: %q", p.location())
	}
	tok = b2.csrf(p.location())
	if r := b2.post("/login/mfa", url.Values{"_csrf": {tok}, "code": {"000000x"}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", r.Status)
	}
	r := b2.post("/login/mfa", url.Values{"_csrf": {tok}, "code": {codes[0][1]}, "next": {"/counselor/sessions"}})
	if r.Status != http.StatusSeeOther || r.location() != "/counselor/sessions" {
		t.Fatalf("recovery code: %d %q", r.Status, r.location())
	}
	b3 := newBrowser(t, h)
	b3.post("/login", url.Values{"_csrf": {b3.csrf("/login")}, "email": {"c@taiwa.example"}, "password": {"counselor-pass-2026"}})
	if r := b3.post("/login/mfa", url.Values{"_csrf": {b3.csrf("/login/mfa")}, "code": {codes[0][1]}}); r.Status != http.StatusUnauthorized {
		t.Fatalf("spent recovery code: %d", r.Status)
	}
	// Without the pending cookie there is nothing to answer.
	if p := newBrowser(t, h).get("/login/mfa"); p.Status != http.StatusSeeOther || p.location() != "/login" {
		t.Fatalf("no challenge: %d %q", p.Status, p.location())
	}
}

// TestSecurityPageOptInCompanyRuleAndReset: an employee opts in from the
// security page; a company admin requires a second factor of admins and
// resets the employee's; an operator resets a counsellor's.
func TestSecurityPageOptInCompanyRuleAndReset(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp@test-shoji.example")
	emp := newBrowser(t, h)
	emp.login("emp@test-shoji.example", "employee-pass-2026")
	sec := emp.get("/account/security")
	mustContain(t, sec, "認証アプリは未設定です", `href="/account/security/totp"`)
	if strings.Contains(sec.Body, "/account/security/reset") || strings.Contains(sec.Body, "/account/security/company") {
		t.Fatal("an employee sees the admins' forms")
	}
	en := emp.get("/account/security/totp")
	secret := strings.ReplaceAll(totpSecretText.FindStringSubmatch(en.Body)[1], " ", "")
	h.RememberTOTP("emp@test-shoji.example", secret)
	r := emp.post("/account/security/totp", url.Values{"_csrf": {csrfField.FindStringSubmatch(en.Body)[1]},
		"challenge": {challengeField.FindStringSubmatch(en.Body)[1]}, "code": {h.TOTPCode("emp@test-shoji.example")}})
	if r.Status != http.StatusOK || len(recoveryItem.FindAllString(r.Body, -1)) != 10 {
		t.Fatalf("opt-in: %d", r.Status)
	}
	// Now the employee's sign-in asks for a code.
	e2 := newBrowser(t, h)
	if p := e2.post("/login", url.Values{"_csrf": {e2.csrf("/login")}, "email": {"emp@test-shoji.example"}, "password": {"employee-pass-2026"}}); p.location() != "/login/mfa" {
		t.Fatalf("employee with TOTP: %q", p.location())
	}

	// The company admin requires a second factor of admins.
	adm := newBrowser(t, h)
	adm.login(f.AdminEmail, f.AdminPass) // no second factor yet
	if p := adm.post("/account/security/company", url.Values{"_csrf": {adm.csrf("/account/security")}, "require_admin_mfa": {"on"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("company setting: %d", p.Status)
	}
	a2 := newBrowser(t, h)
	if p := a2.post("/login", url.Values{"_csrf": {a2.csrf("/login")}, "email": {f.AdminEmail}, "password": {f.AdminPass}}); p.location() != "/login/mfa/enrol" {
		t.Fatalf("admin after the rule: %q", p.location())
	}
	// The admin resets the employee's second factor; a stranger's address is refused.
	if p := adm.post("/account/security/reset", url.Values{"_csrf": {adm.csrf("/account/security")}, "email": {"nobody@test-shoji.example"}}); p.Status != http.StatusNotFound {
		t.Fatalf("unknown address: %d", p.Status)
	}
	if p := adm.post("/account/security/reset", url.Values{"_csrf": {adm.csrf("/account/security")}, "email": {"emp@test-shoji.example"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.Status)
	}
	e3 := newBrowser(t, h)
	if p := e3.post("/login", url.Values{"_csrf": {e3.csrf("/login")}, "email": {"emp@test-shoji.example"}, "password": {"employee-pass-2026"}}); p.location() != "/employee" {
		t.Fatalf("employee after reset: %q", p.location())
	}

	// An operator resets a counsellor, who enrols again.
	h.CreateUser(account.NewUser{Email: "c@taiwa.example", Name: "相談 花子", Role: auth.RoleCounselor, Password: "counselor-pass-2026"})
	newBrowser(t, h).login("c@taiwa.example", "counselor-pass-2026") // enrols
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	if p := op.post("/account/security/reset", url.Values{"_csrf": {op.csrf("/account/security")}, "email": {"c@taiwa.example"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("operator reset: %d", p.Status)
	}
	c2 := newBrowser(t, h)
	if p := c2.post("/login", url.Values{"_csrf": {c2.csrf("/login")}, "email": {"c@taiwa.example"}, "password": {"counselor-pass-2026"}}); p.location() != "/login/mfa/enrol" {
		t.Fatalf("counsellor after reset: %q", p.location())
	}
}
