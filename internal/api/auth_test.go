package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/config"
)

func TestLoginAnswersTokenAndUserAndMeAgrees(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	// A company admin of a company that does not require a second factor:
	// the password alone answers the token, as it always did.
	c, _ := newCompany(t, h, h.Operator(), "サンプル商事", "hr@sample.example")
	h.CreateUser(account.NewUser{CompanyID: uuid.MustParse(c.ID), Email: "Op@Taiwa.example", Name: "運営", Role: auth.RoleCompanyAdmin, Password: "correct-horse-2026"})
	var out struct {
		Token string         `json:"token"`
		User  map[string]any `json:"user"`
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "op@taiwa.example", "password": "correct-horse-2026"}, &out); st != 200 {
		t.Fatalf("status %d", st)
	}
	if len(out.Token) < 22 { // ≥ 128 bits in base64url
		t.Fatalf("token %q is shorter than 128 random bits", out.Token)
	}
	if out.User["email"] != "op@taiwa.example" || out.User["role"] != "company_admin" || out.User["company_id"] != c.ID {
		t.Fatalf("user = %v", out.User)
	}
	var me map[string]any
	if st := h.As(out.Token).Do("GET", "/api/v1/me", nil, &me); st != 200 || me["email"] != "op@taiwa.example" {
		t.Fatalf("me: %d %v", st, me)
	}
}

func TestLoginRefusesBadInputAndWrongPasswords(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	cases := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{"wrong password", `{"email":"a@taiwa.example","password":"wrong-password!"}`, 401, "invalid_credentials", ""},
		{"unknown email", `{"email":"nobody@taiwa.example","password":"wrong-password!"}`, 401, "invalid_credentials", ""},
		{"missing password", `{"email":"a@taiwa.example"}`, 400, "invalid_input", "password"},
		{"missing email", `{"password":"x"}`, 400, "invalid_input", "email"},
		{"email not a string", `{"email":5,"password":"x"}`, 400, "invalid_input", "email"},
		{"not JSON", `{"email":`, 400, "invalid_input", "body"},
		{"empty body", ``, 400, "invalid_input", "body"},
		{"array", `[1,2]`, 400, "invalid_input", "body"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.Anonymous().Raw("POST", "/api/v1/auth/login", "application/json", strings.NewReader(c.body))
			var e apptest.APIError
			decode(t, r.Body, &e)
			if r.Status != c.status || e.Error.Code != c.code {
				t.Fatalf("status %d code %q, want %d %q (%s)", r.Status, e.Error.Code, c.status, c.code, r.Body)
			}
			if c.field != "" && e.Error.Fields[c.field] == "" {
				t.Fatalf("fields %v do not name %q", e.Error.Fields, c.field)
			}
		})
	}
}

func TestLoginIsRateLimitedPerAccountEvenWithTheRightPassword(t *testing.T) {
	t.Parallel()
	h := apptest.New(t) // 5 failures per account per window
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	for i := 0; i < 5; i++ {
		if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "a@taiwa.example", "password": "wrong-password!"}, nil); st != 401 {
			t.Fatalf("attempt %d: status %d, want 401", i+1, st)
		}
	}
	var e apptest.APIError
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "a@taiwa.example", "password": "correct-horse-2026"}, &e); st != 429 || e.Error.Code != "rate_limited" {
		t.Fatalf("after 5 failures: status %d code %q, want 429 rate_limited", st, e.Error.Code)
	}
	var n int
	if err := h.Env.DB.QueryRow(`SELECT count(*) FROM auth_sessions`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions = %d (%v): a rate-limited sign-in must not open one", n, err)
	}
}

func TestForgedExpiredAndLoggedOutTokensAre401(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	expired := h.Login("a@taiwa.example", "correct-horse-2026")
	if _, err := h.Env.DB.ExecContext(context.Background(), `UPDATE auth_sessions SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	loggedOut := h.Login("a@taiwa.example", "correct-horse-2026")
	if st := loggedOut.Do("POST", "/api/v1/auth/logout", nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	for name, token := range map[string]string{
		"forged":     "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"expired":    expired.Token,
		"logged out": loggedOut.Token,
		"none":       "",
		"huge":       strings.Repeat("x", 5000),
	} {
		c := h.As(token)
		var e apptest.APIError
		if st := c.Do("GET", "/api/v1/me", nil, &e); st != 401 || e.Error.Code == "" {
			t.Errorf("%s token: status %d (%v), want 401", name, st, e)
		}
	}
}

func TestSignInRotatesTokensAndDisablingEndsSessions(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	u := h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	first := h.Login("a@taiwa.example", "correct-horse-2026")
	second := h.Login("a@taiwa.example", "correct-horse-2026")
	if first.Token == second.Token {
		t.Fatal("two sign-ins returned the same token")
	}
	other := h.CreateUser(account.NewUser{Email: "b@taiwa.example", Name: "B", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	if _, err := h.App.Accounts.Disable(context.Background(), other.Principal(), u.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*apptest.Client{first, second} {
		if st := c.Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
			t.Fatalf("a disabled user's session answered %d, want 401", st)
		}
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "a@taiwa.example", "password": "correct-horse-2026"}, nil); st != 401 {
		t.Fatalf("a disabled user signed in: %d", st)
	}
}

func TestSignInsAreAuditedWithoutPasswords(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	h.Login("a@taiwa.example", "correct-horse-2026")
	h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "a@taiwa.example", "password": "wrong-password-xyz"}, nil)
	var rows []struct {
		Outcome string `db:"outcome"`
		Details string `db:"details"`
	}
	owner := ownerDB(t, h)
	if err := owner.Select(&rows, `SELECT outcome, details::text AS details FROM audit_log WHERE action = 'auth.login' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	// An operator owes a second factor: the password opens its challenge
	// (mfa_required), the enrolment's code the session (ok).
	var outcomes []string
	for _, r := range rows {
		outcomes = append(outcomes, r.Outcome)
	}
	if !slices.Equal(outcomes, []string{"mfa_required", "ok", "failed"}) {
		t.Fatalf("audit rows = %+v, want mfa_required, ok, then failed", rows)
	}
	for _, r := range rows {
		if strings.Contains(r.Details, "horse") || strings.Contains(r.Details, "wrong-password") {
			t.Fatalf("audit details hold a password: %s", r.Details)
		}
	}
}

func TestLoginIsRateLimitedPerAddressAcrossAccounts(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.LoginMaxPerAddr = 3 }})
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	for i, email := range []string{"x@taiwa.example", "y@taiwa.example", "z@taiwa.example"} {
		if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "guess-guess-1"}, nil); st != 401 {
			t.Fatalf("attempt %d: %d, want 401", i+1, st)
		}
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "a@taiwa.example", "password": "correct-horse-2026"}, nil); st != 429 {
		t.Fatalf("fourth attempt from one address: %d, want 429", st)
	}
}

func TestExpiredInvitationLinkIsRefused(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c, admin := newCompany(t, h, h.Operator(), "A社", "hr@a.example")
	importCSV(t, admin, c.ID, "email,name\nsato@a.example,佐藤 一郎\n")
	h.DrainOutbox()
	link := invitationLink(t, h, "sato@a.example")
	token := link[strings.Index(link, "token=")+6:]
	if _, err := ownerDB(t, h).Exec(`UPDATE auth_tokens SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	var e apptest.APIError
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "my-own-pass-2026"}, &e); st != 422 || e.Error.Code != "invalid_link" {
		t.Fatalf("expired link: %d %+v, want 422 invalid_link", st, e)
	}
}
