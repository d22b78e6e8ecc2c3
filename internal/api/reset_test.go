package api_test

import (
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

func TestPasswordResetMailsALinkThatReplacesThePasswordAndEndsSessions(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "old-password-2026"})
	old := h.Login("a@taiwa.example", "old-password-2026")
	for _, email := range []string{"a@taiwa.example", "nobody@taiwa.example"} {
		if st := h.Anonymous().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": email}, nil); st != 202 {
			t.Fatalf("reset for %s: %d, want 202 either way", email, st)
		}
	}
	if n := h.DrainOutbox(); n != 1 {
		t.Fatalf("sent %d mails, want 1 (none for an unknown address)", n)
	}
	link := invitationLink(t, h, "a@taiwa.example")
	token := link[strings.Index(link, "token=")+6:]
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "new-password-2026"}, nil); st != 200 {
		t.Fatalf("set: %d", st)
	}
	if st := old.Do("GET", "/api/v1/me", nil, nil); st != 401 {
		t.Fatalf("a session from before the reset answered %d, want 401", st)
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": "a@taiwa.example", "password": "old-password-2026"}, nil); st != 401 {
		t.Fatalf("old password still works: %d", st)
	}
	h.Login("a@taiwa.example", "new-password-2026")

	// The sent mail's one-time link does not stay in the outbox.
	var payload string
	if err := ownerDB(t, h).Get(&payload, `SELECT payload::text FROM outbox WHERE kind = $1`, mail.Kind); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(payload, token) {
		t.Fatal("the delivered mail's link is still stored in the outbox")
	}
}

// TestBadInputNeverAnswers500 sends malformed bodies to every JSON route.
func TestBadInputNeverAnswers500(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, _ := newCompany(t, h, op, "A社", "hr@a.example")
	bodies := []string{``, `null`, `[]`, `"x"`, `{`, `{"email":{"a":1}}`, `{"seats":-1e309}`, `{"name":"\u0000"}`,
		`{"name":"` + strings.Repeat("あ", 5000) + `","plan_code":"trial","seats":1}`, `{"email":"a@b.example","name":"x","password":"short"}`}
	paths := []string{
		"/api/v1/auth/login", "/api/v1/auth/password-reset", "/api/v1/auth/password",
		"/api/v1/companies", "/api/v1/companies/" + c.ID + "/admins", "/api/v1/counselors",
	}
	for _, p := range paths {
		for _, b := range bodies {
			r := op.Raw("POST", p, "application/json", strings.NewReader(b))
			if r.Status >= 500 {
				t.Errorf("POST %s %.40q: %d %s", p, b, r.Status, r.Body)
			}
		}
		if r := op.Raw("POST", p, "text/plain", strings.NewReader("hello")); r.Status != 400 {
			t.Errorf("POST %s as text/plain: %d, want 400", p, r.Status)
		}
	}
	for _, q := range []string{"?page=0", "?per_page=101", "?page=x", "?department_id=nope", "?q=" + strings.Repeat("x", 300)} {
		if r := op.Raw("GET", "/api/v1/companies/"+c.ID+"/employees"+q, "", nil); r.Status != 400 {
			t.Errorf("employees%s: %d %s, want 400", q, r.Status, r.Body)
		}
	}
}
