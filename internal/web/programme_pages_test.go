package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/programme"
)

// TestProgrammePagesNamedEnrolmentNeedsTheEmployeesConsent drives the
// pages: HR starts a return-to-work programme from its template and enrols
// an employee (a wrong address is refused beside the field); the employee
// sees the exact text of what HR will see and accepts; only then does HR
// see the steps, as held / not held.
func TestProgrammePagesNamedEnrolmentNeedsTheEmployeesConsent(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO employees (company_id, user_id) SELECT company_id, id FROM users WHERE email = 'emp1@test-shoji.example'`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	hr := newBrowser(t, h)
	hr.login(f.AdminEmail, f.AdminPass)
	tok := hr.csrf("/company/programmes")
	mustContain(t, hr.get("/company/programmes"), "復職支援", "休職前、復職直前")

	bad := hr.post("/company/programmes", url.Values{"_csrf": {tok}, "template": {"return_to_work"}, "mode": {"open"}})
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("open return to work: %d", bad.Status)
	}
	mustContain(t, bad, "この方式は選べません")
	p := hr.post("/company/programmes", url.Values{"_csrf": {tok}, "template": {"return_to_work"}, "mode": {"named"}, "name": {"復職支援テスト"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d", p.Status)
	}
	show := p.location()
	today := programme.Today(time.Now())
	form := url.Values{"_csrf": {tok}, "email": {"nobody@test-shoji.example"},
		"anchor.leave_on": {today.AddDate(0, 1, 0).Format(time.DateOnly)}, "anchor.return_on": {today.AddDate(0, 4, 0).Format(time.DateOnly)}}
	if r := hr.post(show+"/enrol", form); r.Status != http.StatusBadRequest {
		t.Fatalf("unknown employee: %d", r.Status)
	} else {
		mustContain(t, r, "この会社の従業員が見つかりません")
	}
	form.Set("email", "emp1@test-shoji.example")
	if r := hr.post(show+"/enrol", form); r.Status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", r.Status)
	}
	mustContain(t, hr.get(show), "社員 一郎", "未同意")
	mustNotContain(t, hr.get(show), "hr-step-")

	emp := newBrowser(t, h)
	emp.login("emp1@test-shoji.example", "employee-pass-2026")
	mustContain(t, emp.get("/programmes/card"), "回答待ちのご案内が 1 件")
	mine := emp.get("/programmes")
	mustContain(t, mine, "復職支援テスト", "実施済みか未実施か", "人事担当者には一切表示されません")
	m := regexp.MustCompile(`action="(/programmes/enrolments/[0-9a-f-]+/accept)"`).FindStringSubmatch(mine.Body)
	if m == nil {
		t.Fatal("no accept form")
	}
	if r := emp.post(m[1], url.Values{"_csrf": {emp.csrf("/programmes")}}); r.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d", r.Status)
	}
	mustContain(t, emp.get("/programmes"), "参加中", "予定")
	mustContain(t, hr.get(show), "同意済み", "休職前", `class="hr-step-not_held"`)
	// Another role never reaches the pages.
	if r := emp.get("/company/programmes"); r.Status == http.StatusOK {
		t.Errorf("an employee opened HR's programmes: %d", r.Status)
	}
}
