package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestInvitationMailLinkSetsPasswordOnce follows an invitation from the
// operator's form through the dev mail viewer to the set-password page.
func TestInvitationMailLinkSetsPasswordOnce(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	tok := op.csrf("/operator/companies")
	p := op.post("/operator/companies/"+f.CompanyID.String()+"/admins", url.Values{"_csrf": {tok}, "name": {"招待 三郎"}, "email": {"invitee@test-shoji.example"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d", p.Status)
	}
	mustContain(t, op.get("/operator/companies"), "招待メールを送信しました")
	if n := h.DrainOutbox(); n < 1 {
		t.Fatalf("outbox sent %d", n)
	}

	list := op.get("/operator/mail")
	mustContain(t, list, "invitee@test-shoji.example")
	m := regexp.MustCompile(`href="/operator/mail/(\d+)"`).FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatalf("no message link in\n%s", list.Body)
	}
	show := op.get("/operator/mail/" + m[1])
	link := regexp.MustCompile(`<a href="(http://[^"]+/password/set\?token=[^"]+)"`).FindStringSubmatch(show.Body)
	if link == nil {
		t.Fatalf("no clickable set-password link in\n%s", show.Body)
	}
	mustContain(t, show, "添付ファイル")
	if p := op.get("/operator/mail/999999"); p.Status != http.StatusNotFound {
		t.Errorf("missing mail: %d", p.Status)
	}
	if p := op.get("/operator/mail/abc"); p.Status != http.StatusNotFound {
		t.Errorf("bad mail id: %d", p.Status)
	}

	u, _ := url.Parse(html.UnescapeString(link[1]))
	setPath := u.RequestURI()
	token := u.Query().Get("token")
	b := newBrowser(t, h)
	p = b.get(setPath)
	mustContain(t, p, "Taiwa へようこそ", "招待 三郎 さん（invitee@test-shoji.example）")
	csrf := csrfField.FindStringSubmatch(p.Body)[1]

	p = b.post("/password/set", url.Values{"_csrf": {csrf}, "token": {token}, "password": {"short"}, "password_confirm": {"other"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("weak password: %d", p.Status)
	}
	mustContain(t, p, "10文字以上で入力してください", "パスワードが一致しません")

	p = b.post("/password/set", url.Values{"_csrf": {csrf}, "token": {token}, "password": {"invitee-pass-2026"}, "password_confirm": {"invitee-pass-2026"}})
	if p.Status != http.StatusSeeOther || p.location() != "/login" {
		t.Fatalf("set password: %d to %q", p.Status, p.location())
	}
	if b.cookie("taiwa_session") != nil {
		t.Error("setting a password signed the user in")
	}
	mustContain(t, b.get("/login"), "パスワードを設定しました")
	b.login("invitee@test-shoji.example", "invitee-pass-2026")

	// The link works once.
	p = newBrowser(t, h).get(setPath)
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("used link: %d, want 422", p.Status)
	}
	mustContain(t, p, "このリンクは使用できません")
	mustNotContain(t, p, `name="password"`)
}

func TestForgotPasswordAnswersTheSameForUnknownAddresses(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	tok := b.csrf("/password/forgot")
	known := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {f.AdminEmail}})
	unknown := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {"nobody@test-shoji.example"}})
	if known.Status != http.StatusOK || unknown.Status != http.StatusOK {
		t.Fatalf("statuses %d, %d", known.Status, unknown.Status)
	}
	strip := regexp.MustCompile(`name="_csrf" value="[^"]*"`)
	if strip.ReplaceAllString(known.Body, "") != strip.ReplaceAllString(unknown.Body, "") {
		t.Error("the answer differs for a known and an unknown address")
	}
	mustContain(t, known, "再設定用のリンクを送信しました")
	h.DrainOutbox()
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	list := op.get("/operator/mail")
	if !strings.Contains(list.Body, f.AdminEmail) || strings.Contains(list.Body, "nobody@test-shoji.example") {
		t.Errorf("reset mail went to the wrong people:\n%s", list.Body)
	}
	p := b.post("/password/forgot", url.Values{"_csrf": {tok}, "email": {""}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("empty email: %d", p.Status)
	}
}
