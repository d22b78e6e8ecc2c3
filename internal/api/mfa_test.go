package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

type mfaLogin struct {
	Token             string   `json:"token"`
	MFARequired       bool     `json:"mfa_required"`
	Challenge         string   `json:"challenge"`
	Methods           []string `json:"methods"`
	EnrolmentRequired bool     `json:"enrolment_required"`
}

type mfaSession struct {
	Token         string   `json:"token"`
	RecoveryCodes []string `json:"recovery_codes"`
}

func loginStep(t *testing.T, h *apptest.Harness, email, password string) mfaLogin {
	t.Helper()
	var out mfaLogin
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, &out); st != http.StatusOK {
		t.Fatalf("login %s: %d", email, st)
	}
	return out
}

func answer(t *testing.T, h *apptest.Harness, challenge, code string) (int, mfaSession, apptest.APIError) {
	t.Helper()
	r := h.Anonymous().Raw("POST", "/api/v1/auth/mfa", "application/json",
		strings.NewReader(`{"challenge":"`+challenge+`","code":"`+code+`"}`))
	var s mfaSession
	var e apptest.APIError
	if r.Status == http.StatusOK {
		decode(t, r.Body, &s)
	} else {
		decode(t, r.Body, &e)
	}
	return r.Status, s, e
}

// enrolByAPI signs email in for the first time: enrolment, then the first
// code; it returns the session and leaves the secret with the harness.
func enrolByAPI(t *testing.T, h *apptest.Harness, email, password string) mfaSession {
	t.Helper()
	l := loginStep(t, h, email, password)
	if !l.MFARequired || !l.EnrolmentRequired || l.Token != "" || !slices.Equal(l.Methods, []string{"totp"}) {
		t.Fatalf("first sign-in = %+v, want an enrolment challenge and no token", l)
	}
	var sec struct {
		Secret     string `json:"secret"`
		OTPAuthURL string `json:"otpauth_url"`
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/mfa/totp", map[string]string{"challenge": l.Challenge}, &sec); st != 200 || sec.Secret == "" || !strings.HasPrefix(sec.OTPAuthURL, "otpauth://totp/") {
		t.Fatalf("enrol: %d %+v", st, sec)
	}
	h.RememberTOTP(email, sec.Secret)
	if st, _, e := answer(t, h, l.Challenge, "000000"); st != 401 || e.Error.Code != "invalid_code" {
		// 000000 could be right once in a million runs; then the test says so.
		t.Fatalf("wrong code: %d %q", st, e.Error.Code)
	}
	st, s, _ := answer(t, h, l.Challenge, h.TOTPCode(email))
	if st != 200 || s.Token == "" || len(s.RecoveryCodes) != 10 {
		t.Fatalf("confirm: %d %+v", st, s)
	}
	return s
}

// TestSecondFactorTOTPAndRecoveryCodes is an operator's life with a second
// factor over the API: enrolment at the first sign-in, TOTP afterwards, a
// code refused the second time, a recovery code spent once.
func TestSecondFactorTOTPAndRecoveryCodes(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "op@taiwa.example", Name: "運営", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	first := enrolByAPI(t, h, "op@taiwa.example", "correct-horse-2026")
	var me map[string]any
	if st := h.As(first.Token).Do("GET", "/api/v1/me", nil, &me); st != 200 || me["role"] != "operator" {
		t.Fatalf("me: %d %v", st, me)
	}

	// Second sign-in: TOTP, no enrolment.
	l := loginStep(t, h, "op@taiwa.example", "correct-horse-2026")
	if !l.MFARequired || l.EnrolmentRequired || !slices.Equal(l.Methods, []string{"totp", "recovery"}) {
		t.Fatalf("second sign-in = %+v", l)
	}
	code := h.TOTPCode("op@taiwa.example")
	if st, s, _ := answer(t, h, l.Challenge, code); st != 200 || s.Token == "" || s.RecoveryCodes != nil {
		t.Fatalf("totp: %d %+v", st, s)
	}
	// The challenge is spent.
	if st, _, e := answer(t, h, l.Challenge, h.TOTPCode("op@taiwa.example")); st != 401 || e.Error.Code != "invalid_challenge" {
		t.Fatalf("spent challenge: %d %q", st, e.Error.Code)
	}
	// The same code again, on a new challenge: refused (replay).
	l = loginStep(t, h, "op@taiwa.example", "correct-horse-2026")
	if st, _, e := answer(t, h, l.Challenge, code); st != 401 || e.Error.Code != "invalid_code" {
		t.Fatalf("replayed code: %d %q", st, e.Error.Code)
	}
	// A recovery code works once (spelling: case and dashes do not matter).
	rc := first.RecoveryCodes[3]
	if st, s, _ := answer(t, h, l.Challenge, strings.ToUpper(strings.ReplaceAll(rc, "-", ""))); st != 200 || s.Token == "" {
		t.Fatalf("recovery: %d", st)
	}
	l = loginStep(t, h, "op@taiwa.example", "correct-horse-2026")
	if st, _, e := answer(t, h, l.Challenge, rc); st != 401 || e.Error.Code != "invalid_code" {
		t.Fatalf("spent recovery code: %d %q", st, e.Error.Code)
	}
	if st, _, _ := answer(t, h, l.Challenge, first.RecoveryCodes[4]); st != 200 {
		t.Fatalf("another recovery code: %d", st)
	}

	// New recovery codes replace the old ones.
	var fresh struct {
		Codes []string `json:"recovery_codes"`
	}
	if st := h.As(first.Token).Do("POST", "/api/v1/me/recovery-codes", nil, &fresh); st != 201 || len(fresh.Codes) != 10 {
		t.Fatalf("new recovery codes: %d %v", st, fresh.Codes)
	}
	l = loginStep(t, h, "op@taiwa.example", "correct-horse-2026")
	if st, _, _ := answer(t, h, l.Challenge, first.RecoveryCodes[5]); st != 401 {
		t.Fatalf("an old recovery code after renewal: %d", st)
	}
	if st, _, _ := answer(t, h, l.Challenge, fresh.Codes[0]); st != 200 {
		t.Fatalf("a new recovery code: %d", st)
	}

	// Everything is in the audit log.
	var actions []string
	if err := ownerDB(t, h).Select(&actions, `SELECT action || ':' || outcome FROM audit_log WHERE action LIKE 'mfa.%' OR action = 'auth.mfa' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"mfa.totp_enrol:ok", "auth.mfa:failed", "mfa.recovery_used:ok"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log %v lacks %s", actions, want)
		}
	}
	// The secret is sealed at rest: the base32 text is nowhere in the row.
	var sealed []byte
	if err := ownerDB(t, h).Get(&sealed, `SELECT secret_sealed FROM user_totp`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(sealed), h.TOTPSecret("op@taiwa.example")) || !strings.HasPrefix(string(sealed), "tw1.") {
		t.Fatalf("secret is not sealed: %q", sealed)
	}
}

// TestSecondFactorBadInput: every malformed answer names its field; an
// unknown challenge is 401, never a 500.
func TestSecondFactorBadInput(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	cases := []struct {
		name, path, body string
		status           int
		code, field      string
	}{
		{"no challenge", "/api/v1/auth/mfa", `{"code":"123456"}`, 400, "invalid_input", "challenge"},
		{"no code", "/api/v1/auth/mfa", `{"challenge":"abc"}`, 400, "invalid_input", "code"},
		{"code too long", "/api/v1/auth/mfa", `{"challenge":"abc","code":"` + strings.Repeat("1", 65) + `"}`, 400, "invalid_input", "code"},
		{"code not a string", "/api/v1/auth/mfa", `{"challenge":"abc","code":123456}`, 400, "invalid_input", "code"},
		{"unknown challenge", "/api/v1/auth/mfa", `{"challenge":"abc","code":"123456"}`, 401, "invalid_challenge", ""},
		{"enrol without challenge", "/api/v1/auth/mfa/totp", `{}`, 400, "invalid_input", "challenge"},
		{"enrol unknown challenge", "/api/v1/auth/mfa/totp", `{"challenge":"abc"}`, 401, "invalid_challenge", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.Anonymous().For(t).Raw("POST", c.path, "application/json", strings.NewReader(c.body))
			var e apptest.APIError
			decode(t, r.Body, &e)
			if r.Status != c.status || e.Error.Code != c.code || (c.field != "" && e.Error.Fields[c.field] == "") {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	}
}

// TestSecondFactorFailuresAreRateLimited: wrong codes spend the account's
// sign-in budget; then even the right code waits.
func TestSecondFactorFailuresAreRateLimited(t *testing.T) {
	t.Parallel()
	h := apptest.New(t) // 5 failures per account per window
	h.CreateUser(account.NewUser{Email: "c@taiwa.example", Name: "カウンセラー", Role: auth.RoleCounselor, Password: "correct-horse-2026"})
	enrolByAPI(t, h, "c@taiwa.example", "correct-horse-2026") // one failure
	l := loginStep(t, h, "c@taiwa.example", "correct-horse-2026")
	for range 4 {
		if st, _, _ := answer(t, h, l.Challenge, "999999x"); st != 401 {
			t.Fatalf("wrong code: %d", st)
		}
	}
	if st, _, e := answer(t, h, l.Challenge, h.TOTPCode("c@taiwa.example")); st != 429 || e.Error.Code != "rate_limited" {
		t.Fatalf("after 5 failures: %d %q", st, e.Error.Code)
	}
}

// TestEmployeeSignInIsUnchangedAndCompanyCanRequireAdminMFA: employees and
// admins answer with a token as before, until the company requires a
// second factor of its admins; the setting is the company's own.
func TestEmployeeSignInIsUnchangedAndCompanyCanRequireAdminMFA(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, admin := newCompany(t, h, op, "サンプル商事", "hr@sample.example")
	other, otherAdmin := newCompany(t, h, op, "別会社", "hr@other.example")
	h.CreateUser(account.NewUser{CompanyID: uuid.MustParse(c.ID), Email: "emp@sample.example", Name: "社員", Role: auth.RoleEmployee, Password: "employee-pass-2026"})

	for _, email := range []string{"emp@sample.example", "hr@sample.example"} {
		pw := map[string]string{"emp@sample.example": "employee-pass-2026", "hr@sample.example": "admin-pass-2026"}[email]
		r := h.Anonymous().Raw("POST", "/api/v1/auth/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+pw+`"}`))
		if r.Status != 200 || strings.Contains(string(r.Body), "mfa_required") || !strings.Contains(string(r.Body), `"token"`) {
			t.Fatalf("%s: %d %s", email, r.Status, r.Body)
		}
	}

	var sec map[string]bool
	if st := admin.Do("GET", "/api/v1/companies/"+c.ID+"/security", nil, &sec); st != 200 || sec["require_admin_mfa"] {
		t.Fatalf("get: %d %v", st, sec)
	}
	if st := otherAdmin.Do("PUT", "/api/v1/companies/"+c.ID+"/security", map[string]any{"require_admin_mfa": true}, nil); st != 404 {
		t.Fatalf("another company's admin: %d", st)
	}
	if st := h.Login("emp@sample.example", "employee-pass-2026").Do("PUT", "/api/v1/companies/"+c.ID+"/security", map[string]any{"require_admin_mfa": true}, nil); st != 403 {
		t.Fatalf("employee: %d", st)
	}
	if st := admin.Do("PUT", "/api/v1/companies/"+c.ID+"/security", map[string]any{}, nil); st != 400 {
		t.Fatalf("missing field: %d", st)
	}
	if st := admin.Do("PUT", "/api/v1/companies/"+c.ID+"/security", map[string]any{"require_admin_mfa": true}, &sec); st != 200 || !sec["require_admin_mfa"] {
		t.Fatalf("set: %d %v", st, sec)
	}
	if l := loginStep(t, h, "hr@sample.example", "admin-pass-2026"); !l.MFARequired || !l.EnrolmentRequired {
		t.Fatalf("admin after the setting: %+v", l)
	}
	if l := loginStep(t, h, "emp@sample.example", "employee-pass-2026"); l.MFARequired || l.Token == "" {
		t.Fatalf("employee after the setting: %+v", l)
	} else if st := h.As(l.Token).Do("POST", "/api/v1/me/recovery-codes", nil, nil); st != 422 {
		t.Fatalf("recovery codes without a second factor: %d", st)
	}
	if l := loginStep(t, h, "hr@other.example", "admin-pass-2026"); l.MFARequired {
		t.Fatalf("the other company's admin: %+v", l)
	}
	_ = other
	// The operator may change it too.
	if st := op.Do("PUT", "/api/v1/companies/"+c.ID+"/security", map[string]any{"require_admin_mfa": false}, nil); st != 200 {
		t.Fatalf("operator: %d", st)
	}
}

// TestSecondFactorReset: an operator resets a counsellor (who enrols
// again at the next sign-in); a company admin resets their own employee
// but not another company's, nor a counsellor; all audited.
func TestSecondFactorReset(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, admin := newCompany(t, h, op, "サンプル商事", "hr@sample.example")
	_, otherAdmin := newCompany(t, h, op, "別会社", "hr@other.example")
	coun := h.CreateUser(account.NewUser{Email: "c@taiwa.example", Name: "カウンセラー", Role: auth.RoleCounselor, Password: "correct-horse-2026"})
	emp := h.CreateUser(account.NewUser{CompanyID: uuid.MustParse(c.ID), Email: "emp@sample.example", Name: "社員", Role: auth.RoleEmployee, Password: "employee-pass-2026"})
	cc := h.Login("c@taiwa.example", "correct-horse-2026") // enrols

	// An employee who opted in.
	err := h.App.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return h.App.Accounts.SealTOTP(context.Background(), tx, emp.ID, "JBSWY3DPEHPK3PXP")
	})
	if err != nil {
		t.Fatal(err)
	}
	h.RememberTOTP("emp@sample.example", "JBSWY3DPEHPK3PXP")
	if l := loginStep(t, h, "emp@sample.example", "employee-pass-2026"); !l.MFARequired || l.EnrolmentRequired {
		t.Fatalf("employee with TOTP: %+v", l)
	}

	reset := func(cl *apptest.Client, id uuid.UUID) int {
		return cl.Do("POST", "/api/v1/auth/mfa/reset", map[string]any{"user_id": id}, nil)
	}
	if st := reset(otherAdmin, emp.ID); st != 404 {
		t.Fatalf("other company's admin: %d", st)
	}
	if st := reset(admin, coun.ID); st != 404 {
		t.Fatalf("admin resetting a counsellor: %d", st)
	}
	if st := reset(cc, emp.ID); st != 403 {
		t.Fatalf("counsellor: %d", st)
	}
	if st := admin.Do("POST", "/api/v1/auth/mfa/reset", map[string]any{"user_id": "nope"}, nil); st != 400 {
		t.Fatalf("bad id: %d", st)
	}
	if st := reset(admin, emp.ID); st != 204 {
		t.Fatalf("admin resets employee: %d", st)
	}
	if l := loginStep(t, h, "emp@sample.example", "employee-pass-2026"); l.MFARequired {
		t.Fatalf("employee after reset: %+v", l)
	}
	if st := reset(op, coun.ID); st != 204 {
		t.Fatalf("operator resets counsellor: %d", st)
	}
	if st := cc.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("the counsellor's sessions end: %d", st)
	}
	if l := loginStep(t, h, "c@taiwa.example", "correct-horse-2026"); !l.EnrolmentRequired {
		t.Fatalf("counsellor after reset: %+v", l)
	}
	var n int
	if err := ownerDB(t, h).Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'mfa.reset' AND outcome = 'ok'`); err != nil || n != 2 {
		t.Fatalf("audited resets: %d %v", n, err)
	}
}

// TestDemoAccountsShareOneTOTPSecret: the seeded operator and counsellors
// sign in with the README's one demo secret, without enrolling.
func TestDemoAccountsShareOneTOTPSecret(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	if err := demo.Seed(context.Background(), h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil)), h.App.Config.Keyring); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{demo.OperatorEmail, "counselor001@taiwa.example"} {
		l := loginStep(t, h, email, demo.Password)
		if !l.MFARequired || l.EnrolmentRequired {
			t.Fatalf("%s: %+v, want a TOTP challenge", email, l)
		}
		h.RememberTOTP(email, demo.TOTPSecret)
		if st, s, _ := answer(t, h, l.Challenge, h.TOTPCode(email)); st != 200 || s.Token == "" {
			t.Fatalf("%s: %d", email, st)
		}
	}
	if l := loginStep(t, h, "hr@sample-shoji.example", demo.Password); l.MFARequired || l.Token == "" {
		t.Fatalf("demo company admin: %+v", l)
	}
}
