package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// browser is a plain HTTP client that keeps cookies like a browser and
// does not follow redirects, so tests see each answer.
type browser struct {
	t    testing.TB
	h    *apptest.Harness
	c    *http.Client
	lang string // Accept-Language to send, if any
}

func newBrowser(t testing.TB, h *apptest.Harness) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, h: h, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (p page) location() string { return p.Header.Get("Location") }

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func (b *browser) get(path string, headers ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.h.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]*)"`)

// csrf is the form token from a page the browser has loaded.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	p := b.get(path)
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil || m[1] == "" {
		b.t.Fatalf("GET %s (%d): no CSRF token in the page", path, p.Status)
	}
	return m[1]
}

// post sends a form; a "_csrf" value of "" leaves the token out.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.h.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// upload posts a multipart form with one file field.
func (b *browser) upload(path, token, field, filename, content string, headers ...string) page {
	b.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("_csrf", token)
	fw, _ := w.CreateFormFile(field, filename)
	_, _ = fw.Write([]byte(content))
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, b.h.URL+path, &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// login signs in through the web form and fails unless it redirects.
func (b *browser) login(email, password string) page {
	b.t.Helper()
	tok := b.csrf("/login")
	p := b.post("/login", url.Values{"_csrf": {tok}, "email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		b.t.Fatalf("sign-in of %s: status %d", email, p.Status)
	}
	return b.secondFactor(email, p)
}

var totpSecretText = regexp.MustCompile(`id="totp-secret"[^>]*>([A-Z2-7 ]+)<`)

// secondFactor completes a sign-in that owes a second factor, like a
// person with an authenticator app: enrolling on the enrolment page (the
// harness remembers the secret) or answering with a fresh code. Other
// answers come back as they are.
func (b *browser) secondFactor(email string, p page) page {
	b.t.Helper()
	loc := p.location()
	path, query, _ := strings.Cut(loc, "?")
	next := ""
	if q, err := url.ParseQuery(query); err == nil {
		next = q.Get("next")
	}
	switch path {
	case "/login/mfa/enrol":
		pg := b.get(loc)
		m, s := csrfField.FindStringSubmatch(pg.Body), totpSecretText.FindStringSubmatch(pg.Body)
		if m == nil || s == nil {
			b.t.Fatalf("enrolment page of %s (%d) has no form or secret", email, pg.Status)
		}
		b.h.RememberTOTP(email, strings.ReplaceAll(s[1], " ", ""))
		r := b.post(path, url.Values{"_csrf": {m[1]}, "next": {next}, "code": {b.h.TOTPCode(email)}})
		if r.Status != http.StatusOK || !strings.Contains(r.Body, `id="recovery-codes"`) {
			b.t.Fatalf("enrolment of %s: status %d", email, r.Status)
		}
		var codes []string
		for _, m := range recoveryItem.FindAllStringSubmatch(r.Body, -1) {
			codes = append(codes, m[1])
		}
		b.h.RememberRecoveryCodes(email, codes)
		// The recovery codes page's "continue" is where the sign-in goes.
		return page{Status: http.StatusSeeOther, Header: http.Header{"Location": {nextOr(next, r.Body)}}, Body: r.Body}
	case "/login/mfa":
		tok := b.csrf(loc)
		r := b.post(path, url.Values{"_csrf": {tok}, "next": {next}, "code": {b.h.SecondFactorCode(email)}})
		if r.Status != http.StatusSeeOther {
			b.t.Fatalf("second factor of %s: status %d", email, r.Status)
		}
		return r
	}
	return p
}

var continueLink = regexp.MustCompile(`id="recovery-continue" role="button" href="([^"]*)"`)

func nextOr(next, body string) string {
	if m := continueLink.FindStringSubmatch(body); m != nil {
		return strings.ReplaceAll(m[1], "&amp;", "&")
	}
	return next
}

func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.h.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// fixture is a company with an admin who has a password.
type fixture struct {
	h          *apptest.Harness
	op         *apptest.Client
	CompanyID  uuid.UUID
	AdminEmail string
	AdminPass  string
}

const adminPass = "admin-pass-2026"

// newCompany creates a company and its admin through the API, as an
// operator would.
func newCompany(t *testing.T, h *apptest.Harness) fixture {
	t.Helper()
	op := h.Operator()
	var co struct {
		ID uuid.UUID `json:"id"`
	}
	if st := op.Do("POST", "/api/v1/companies", map[string]any{"name": "テスト商事", "plan_code": "subscription", "seats": 120}, &co); st != http.StatusCreated {
		t.Fatalf("create company: %d", st)
	}
	f := fixture{h: h, op: op, CompanyID: co.ID, AdminEmail: "hr@test-shoji.example", AdminPass: adminPass}
	if st := op.Do("POST", "/api/v1/companies/"+co.ID.String()+"/admins",
		map[string]any{"email": f.AdminEmail, "name": "人事 花子", "password": adminPass}, nil); st != http.StatusCreated {
		t.Fatalf("create admin: %d", st)
	}
	return f
}

// employee creates an employee user with a password in the company.
func (f fixture) employee(email string) {
	f.h.CreateUser(account.NewUser{CompanyID: f.CompanyID, Email: email, Name: "社員 一郎", Role: auth.RoleEmployee, Password: "employee-pass-2026"})
}

func mustContain(t *testing.T, p page, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Errorf("page (status %d) lacks %q", p.Status, w)
		}
	}
	if t.Failed() {
		t.Logf("body:\n%s", p.Body)
	}
}

func mustNotContain(t *testing.T, p page, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(p.Body, w) {
			t.Errorf("page (status %d) contains %q", p.Status, w)
		}
	}
}
