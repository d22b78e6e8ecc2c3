package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
)

// TestSignInNeverLeavesTheSite sends known open-redirect bypasses through
// the real sign-in: in the address of the sign-in page, in the posted
// form, to a signed-in user, and to the language switch. Every Location
// stays on this site; a path here is kept as given.
func TestSignInNeverLeavesTheSite(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	const home = "/company"
	bad := []string{
		"/\t/evil.example", // what /login?next=/%09/evil.example hands the handler
		"/%09/evil.example",
		"/\\evil.example",
		"\\\\evil.example",
		"//evil.example",
		"///evil.example",
		"/%2F/evil.example",
		"%2F%2Fevil.example",
		"/%5Cevil.example",
		"javascript:alert(1)",
		"data:text/html,<script>alert(1)</script>",
		"https://evil.example/",
		"//taiwa.example@evil.example/",
	}
	for i, next := range bad {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			b := newBrowser(t, h)
			lp := b.get("/login?next=" + url.QueryEscape(next))
			if lp.Status != http.StatusOK {
				t.Fatalf("sign-in page with next %q: %d", next, lp.Status)
			}
			mustContain(t, lp, `name="next" value=""`)
			tok := csrfField.FindStringSubmatch(lp.Body)[1]
			p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}, "next": {next}})
			if p.Status != http.StatusSeeOther || p.location() != home {
				t.Fatalf("sign-in with next %q: %d to %q, want 303 to %s", next, p.Status, p.location(), home)
			}
			if p := b.get("/login?next=" + url.QueryEscape(next)); p.location() != home {
				t.Errorf("signed in, /login with next %q goes to %q, want %s", next, p.location(), home)
			}
			if p := b.post("/lang", url.Values{"_csrf": {tok}, "lang": {"en"}, "next": {next}}); p.Status != http.StatusSeeOther || p.location() != "/" {
				t.Errorf("language switch with next %q: %d to %q, want /", next, p.Status, p.location())
			}
		})
	}
	t.Run("the reported address, as typed", func(t *testing.T) {
		b := newBrowser(t, h)
		lp := b.get("/login?next=/%09/evil.example")
		mustContain(t, lp, `name="next" value=""`)
		tok := csrfField.FindStringSubmatch(lp.Body)[1]
		p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}, "next": {"/\t/evil.example"}})
		if p.location() != home {
			t.Fatalf("went to %q", p.location())
		}
	})
	t.Run("a path here is kept as given", func(t *testing.T) {
		b := newBrowser(t, h)
		const next = "/company/employees?q=%E4%BD%90%E8%97%A4&x=1"
		lp := b.get("/login?next=" + url.QueryEscape(next))
		mustContain(t, lp, `name="next" value="`+html.EscapeString(next)+`"`)
		tok := csrfField.FindStringSubmatch(lp.Body)[1]
		if p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}, "next": {next}}); p.location() != next {
			t.Fatalf("went to %q, want %q", p.location(), next)
		}
	})
}

// TestSignInPageLimitIgnoresForgedForwardedHeaders: the sign-in form
// counts attempts on the TCP peer whatever X-Forwarded-For and X-Real-IP
// say, and its 429 says in Retry-After when the next attempt is let in.
func TestSignInPageLimitIgnoresForgedForwardedHeaders(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.LoginMaxPerAddr = 4 }})
	b := newBrowser(t, h)
	tok := b.csrf("/login")
	var p page
	for i := range 10 {
		p = b.post("/login", url.Values{"_csrf": {tok}, "email": {fmt.Sprintf("guess%d@taiwa.example", i)}, "password": {"guess-guess-1"}},
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i), "X-Real-IP", fmt.Sprintf("192.0.2.%d", i))
		if i < 4 && p.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, p.Status)
		}
		if i >= 4 && p.Status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d with forged headers: %d, want 429", i+1, p.Status)
		}
	}
	secs, err := strconv.Atoi(p.Header.Get("Retry-After"))
	if err != nil || secs < 1 || secs > 15*60 {
		t.Fatalf("Retry-After %q, want whole seconds up to the 15-minute window", p.Header.Get("Retry-After"))
	}
	mustContain(t, p, "ログインの試行回数が上限に達しました")
	if strings.Contains(p.Body, "guess-guess-1") {
		t.Error("the refused page shows the password")
	}
}
