package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
)

func TestLoginWithWrongPasswordShowsErrorNextToFieldAndKeepsEmail(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	tok := b.csrf("/login")
	p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {"wrong-password"}})
	if p.Status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", p.Status)
	}
	mustContain(t, p, "メールアドレスまたはパスワードが正しくありません", `aria-invalid="true" aria-describedby="err-password"`, `value="`+f.AdminEmail+`"`)
	mustNotContain(t, p, "wrong-password")

	p = b.post("/login", url.Values{"_csrf": {tok}, "email": {""}, "password": {""}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("empty form: status %d, want 400", p.Status)
	}
	mustContain(t, p, `id="err-email"`, `id="err-password"`, "入力してください")
}

func TestSignInSetsSessionCookieRotatesItAndSignOutEndsIt(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	p := b.login(f.AdminEmail, f.AdminPass)
	if p.location() != "/company" {
		t.Fatalf("sign-in went to %q, want /company", p.location())
	}
	sc := p.Header.Values("Set-Cookie")
	var raw string
	for _, c := range sc {
		if strings.HasPrefix(c, "taiwa_session=") {
			raw = c
		}
	}
	if raw == "" || !strings.Contains(raw, "HttpOnly") || !strings.Contains(raw, "SameSite=Lax") || !strings.Contains(raw, "Path=/") {
		t.Fatalf("session cookie %q: want HttpOnly, SameSite=Lax, Path=/", raw)
	}
	first := b.cookie("taiwa_session").Value

	// Signing in again with the old cookie rotates the token and ends the old one.
	if p := b.post("/login", url.Values{"_csrf": {b.csrf("/company")}, "email": {f.AdminEmail}, "password": {f.AdminPass}}); p.Status != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", p.Status)
	}
	second := b.cookie("taiwa_session").Value
	if second == first {
		t.Fatal("sign-in did not rotate the session token")
	}
	if st := h.As(first).Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("old token after rotation: status %d, want 401", st)
	}
	if st := h.As(second).Do("GET", "/api/v1/me", nil, nil); st != http.StatusOK {
		t.Errorf("new token: status %d, want 200", st)
	}

	tok := b.csrf("/company")
	p = b.post("/logout", url.Values{"_csrf": {tok}})
	if p.Status != http.StatusSeeOther || p.location() != "/login" {
		t.Fatalf("sign-out: %d to %q", p.Status, p.location())
	}
	if b.cookie("taiwa_session") != nil {
		t.Error("sign-out left the session cookie")
	}
	if st := h.As(second).Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("token after sign-out: status %d, want 401", st)
	}
	mustContain(t, b.get("/login"), "ログアウトしました")
	if p := b.get("/company"); p.Status != http.StatusSeeOther {
		t.Errorf("/company after sign-out: %d, want 303", p.Status)
	}
}

func TestSecureCookiesUseHostPrefix(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.CookieSecure = true }})
	f := newCompany(t, h)
	b := newBrowser(t, h)
	// Go's cookie jar does not send Secure cookies over http, so read the answer.
	login := b.get("/login")
	var csrfCookie, tok string
	for _, c := range login.Header.Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(c, "__Host-taiwa_csrf="); ok {
			csrfCookie, _, _ = strings.Cut(v, ";")
		}
	}
	if m := csrfField.FindStringSubmatch(login.Body); m != nil {
		tok = m[1]
	}
	if csrfCookie == "" || tok == "" {
		t.Fatalf("no __Host- CSRF cookie or token: %v", login.Header.Values("Set-Cookie"))
	}
	p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}}, "Cookie", "__Host-taiwa_csrf="+csrfCookie)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.Status)
	}
	var session string
	for _, c := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "__Host-taiwa_session=") {
			session = c
		}
	}
	if !strings.Contains(session, "Secure") || !strings.Contains(session, "HttpOnly") || strings.Contains(session, "Domain=") {
		t.Errorf("session cookie %q: want __Host-, Secure, HttpOnly, no Domain", session)
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.LoginMaxPerUser = 2 }})
	f := newCompany(t, h)
	b := newBrowser(t, h)
	tok := b.csrf("/login")
	for i := 0; i < 2; i++ {
		b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {"wrong-password"}})
	}
	p := b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}})
	if p.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429", p.Status)
	}
	mustContain(t, p, "ログインの試行回数が上限に達しました")
}

func TestFormWithoutCSRFTokenIsRefused(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	tok := b.csrf("/login")
	p := b.post("/login", url.Values{"email": {f.AdminEmail}, "password": {f.AdminPass}})
	if p.Status != http.StatusForbidden {
		t.Fatalf("no token: status %d, want 403", p.Status)
	}
	mustContain(t, p, "フォームの有効期限が切れたか")
	if b.cookie("taiwa_session") != nil {
		t.Error("a refused form signed in")
	}
	p = b.post("/login", url.Values{"_csrf": {"forged" + tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}})
	if p.Status != http.StatusForbidden {
		t.Errorf("wrong token: status %d, want 403", p.Status)
	}
	p = b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}}, "Sec-Fetch-Site", "cross-site")
	if p.Status != http.StatusForbidden {
		t.Errorf("cross-site with token: status %d, want 403", p.Status)
	}
	// A same-origin browser header does not stand in for the token.
	p = b.post("/lang", url.Values{"lang": {"en"}}, "Sec-Fetch-Site", "same-origin")
	if p.Status != http.StatusForbidden {
		t.Errorf("same-origin without token: status %d, want 403", p.Status)
	}
	// The API is not under the web CSRF check.
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": f.AdminEmail, "password": f.AdminPass}, nil); st != http.StatusOK {
		t.Errorf("API sign-in: status %d, want 200", st)
	}
}

func TestAnonymousPageRedirectsToLoginAndBackAfterSignIn(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	p := b.get("/company/employees?q=abc")
	if p.Status != http.StatusSeeOther || p.location() != "/login?next=%2Fcompany%2Femployees%3Fq%3Dabc" {
		t.Fatalf("anonymous: %d to %q", p.Status, p.location())
	}
	if p := b.get("/"); p.location() != "/login" {
		t.Errorf("/ anonymous goes to %q", p.location())
	}
	lp := b.get(p.location())
	mustContain(t, lp, `name="next" value="/company/employees?q=abc"`)
	tok := csrfField.FindStringSubmatch(lp.Body)[1]
	p = b.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}, "next": {"/company/employees?q=abc"}})
	if p.location() != "/company/employees?q=abc" {
		t.Errorf("after sign-in went to %q", p.location())
	}
	// An outside next is ignored.
	b2 := newBrowser(t, h)
	tok = b2.csrf("/login")
	p = b2.post("/login", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}, "password": {f.AdminPass}, "next": {"//evil.example/"}})
	if p.location() != "/company" {
		t.Errorf("open redirect: went to %q", p.location())
	}
	if p := b2.get("/"); p.location() != "/company" {
		t.Errorf("/ for an admin goes to %q", p.location())
	}
	if p := b2.get("/company/employees", "HX-Request", "true"); p.Status != http.StatusOK {
		t.Errorf("htmx roster: %d", p.Status)
	}
	anon := newBrowser(t, h)
	if p := anon.get("/company/employees", "HX-Request", "true"); p.Header.Get("HX-Redirect") == "" {
		t.Errorf("anonymous htmx request: no HX-Redirect (status %d)", p.Status)
	}
}

func TestWrongRoleGetsForbiddenPage(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	b := newBrowser(t, h)
	p := b.login("emp1@test-shoji.example", "employee-pass-2026")
	if p.location() != "/employee" {
		t.Errorf("employee home is %q", p.location())
	}
	mustContain(t, b.get("/employee"), "ようこそ、社員 一郎 さん", "カウンセラー検索", "面談の予約")
	for _, path := range []string{"/operator/companies", "/company", "/company/employees"} {
		p := b.get(path)
		if p.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", path, p.Status)
		}
		mustContain(t, p, "アクセス権限がありません", `<link rel="stylesheet" href="/static/app.css?v=`)
	}
}

func TestUnknownPageIsNotFoundInTheLayout(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	b := newBrowser(t, h)
	p := b.get("/no/such/page")
	if p.Status != http.StatusNotFound {
		t.Fatalf("status %d", p.Status)
	}
	mustContain(t, p, "ページが見つかりません", "ホームへ戻る")
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	// The API keeps its JSON errors.
	r := h.Anonymous().Raw("GET", "/api/v1/nope", "", nil)
	if !strings.Contains(string(r.Body), `"code"`) {
		t.Errorf("API 404 is not JSON: %s", r.Body)
	}
}

func TestStaticAssetsAreServedWithLongCache(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	b := newBrowser(t, h)
	login := b.get("/login")
	for _, asset := range []string{"app.css", "vendor/pico/pico.min.css", "vendor/htmx/htmx.min.js"} {
		i := strings.Index(login.Body, "/static/"+asset+"?v=")
		if i < 0 {
			t.Fatalf("login page does not link %s", asset)
		}
		url := login.Body[i:]
		url = url[:strings.IndexByte(url, '"')]
		p := b.get(url)
		if p.Status != http.StatusOK || !strings.Contains(p.Header.Get("Cache-Control"), "max-age=31536000") {
			t.Errorf("%s: %d, Cache-Control %q", url, p.Status, p.Header.Get("Cache-Control"))
		}
	}
	if ct := b.get("/static/app.css").Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("app.css Content-Type %q", ct)
	}
	if p := b.get("/static/nope.css"); p.Status != http.StatusNotFound {
		t.Errorf("missing asset: %d", p.Status)
	}
	if p := b.get("/static/vendor/"); p.Status != http.StatusNotFound {
		t.Errorf("directory listing: %d", p.Status)
	}
	mustContain(t, login, `<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>`)
	mustNotContain(t, login, "style=", "<script>")
}
