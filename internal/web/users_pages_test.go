package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// ownerID is a user's id, read as the platform.
func ownerID(t *testing.T, h *apptest.Harness, email string) string {
	t.Helper()
	var id uuid.UUID
	err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `SELECT id FROM users WHERE email = $1`, email)
	})
	if err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id.String()
}

func TestHRDisablesALeaverFromTheRosterAfterConfirmingAndTheirSessionEnds(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("leaver@test-shoji.example")
	emp := newBrowser(t, h)
	emp.login("leaver@test-shoji.example", "employee-pass-2026")
	if p := emp.get("/employee"); p.Status != http.StatusOK {
		t.Fatalf("employee home before: %d", p.Status)
	}
	id := ownerID(t, h, "leaver@test-shoji.example")
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO employees (company_id, user_id) VALUES ($1, $2)`, f.CompanyID, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	hr := newBrowser(t, h)
	hr.login(f.AdminEmail, f.AdminPass)
	p := hr.get("/company/employees")
	mustContain(t, p, `href="/company/employees/`+id+`/disable"`, "停止")

	// GET only asks; nothing changes until the form is sent.
	p = hr.get("/company/employees/" + id + "/disable")
	mustContain(t, p, "利用を停止する", "社員 一郎", "leaver@test-shoji.example", "すべてのログインが直ちに終了")
	if emp.get("/employee").Status != http.StatusOK {
		t.Fatal("the confirmation page disabled the user")
	}
	tok := csrfFrom(t, p)
	p = hr.post("/company/employees/"+id+"/disable", url.Values{"_csrf": {tok}})
	if p.Status != http.StatusSeeOther || p.location() != "/company/employees" {
		t.Fatalf("disable: %d → %s", p.Status, p.location())
	}
	p = hr.get("/company/employees")
	mustContain(t, p, "利用を停止しました", `href="/company/employees/`+id+`/enable"`, "再開")
	if p := emp.get("/employee"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Fatalf("the leaver's web session still works: %d → %s", p.Status, p.location())
	}
	// Nor can they sign in again through the form.
	again := newBrowser(t, h)
	tok = again.csrf("/login")
	if p := again.post("/login", url.Values{"_csrf": {tok}, "email": {"leaver@test-shoji.example"}, "password": {"employee-pass-2026"}}); p.Status == http.StatusSeeOther {
		t.Fatalf("a disabled employee signed in on the web: → %s", p.location())
	}

	// Re-enabling asks too; the old session stays ended.
	p = hr.get("/company/employees/" + id + "/enable")
	mustContain(t, p, "利用を再開する", "停止前のログインは復活しません")
	p = hr.post("/company/employees/"+id+"/enable", url.Values{"_csrf": {csrfFrom(t, p)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.Status)
	}
	mustContain(t, hr.get("/company/employees"), "利用を再開しました")
	if p := emp.get("/employee"); p.Status != http.StatusSeeOther {
		t.Fatalf("re-enabling resurrected the old web session: %d", p.Status)
	}

	// Nobody outside the company, and no operator, is reachable from HR.
	for _, other := range []string{ownerID(t, h, "operator@taiwa.example"), uuid.NewString(), "nope"} {
		if p := hr.get("/company/employees/" + other + "/disable"); p.Status != http.StatusNotFound {
			t.Errorf("HR asks to disable %s: %d, want 404", other, p.Status)
		}
	}
	if p := hr.get("/company/employees/" + id + "/delete"); p.Status != http.StatusNotFound {
		t.Errorf("unknown verb: %d, want 404", p.Status)
	}
}

func TestRosterUploadWithABadStatusSaysWhichLineAndImportsNothing(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	b.login(f.AdminEmail, f.AdminPass)
	tok := b.csrf("/company/employees")
	p := b.upload("/company/employees/import", tok, "file", "roster.csv", "email,name,status\na@test-shoji.example,甲,在籍\nb@test-shoji.example,乙,休職\n")
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad status: %d", p.Status)
	}
	mustContain(t, p, "状態（status）の列に使えない値", "3 行目")
	mustNotContain(t, p, "a@test-shoji.example")

	p = b.upload("/company/employees/import", tok, "file", "roster.csv", "email,name,status\na@test-shoji.example,甲,在籍\n")
	mustContain(t, p, "新規 1 名")
	p = b.upload("/company/employees/import", tok, "file", "roster.csv", "email,name,status\na@test-shoji.example,甲,退職\n")
	mustContain(t, p, "退職として 1 名の利用を停止しました", "停止")
}

func TestOperatorFindsAndDisablesAUserButNeverThemselves(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	h.CreateUser(account.NewUser{Email: "op2@taiwa.example", Name: "運営 二", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	b := newBrowser(t, h)
	b.login("operator@taiwa.example", "operator-pass-2026")
	p := b.get("/operator/users?q=test-shoji")
	mustContain(t, p, "ユーザー", f.AdminEmail, "企業管理者")
	mustNotContain(t, p, "op2@taiwa.example")

	self := ownerID(t, h, "operator@taiwa.example")
	p = b.get("/operator/users/" + self + "/disable")
	p = b.post("/operator/users/"+self+"/disable", url.Values{"_csrf": {csrfFrom(t, p)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("disable self: %d", p.Status)
	}
	mustContain(t, b.get("/operator/users"), "ご自身のアカウントは停止できません")

	other := ownerID(t, h, "op2@taiwa.example")
	p = b.get("/operator/users/" + other + "/disable")
	p = b.post("/operator/users/"+other+"/disable", url.Values{"_csrf": {csrfFrom(t, p)}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("disable op2: %d", p.Status)
	}
	p = b.get("/operator/users?q=op2")
	mustContain(t, p, "利用を停止しました", "/operator/users/"+other+"/enable")
	// Without the form token nothing happens.
	if p := b.post("/operator/users/"+other+"/enable", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("enable without CSRF: %d, want 403", p.Status)
	}
}

func csrfFrom(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF token in the page (%d)", p.Status)
	}
	return m[1]
}
