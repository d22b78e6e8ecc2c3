package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

const rosterCSV = "email,name,department,age_band,tenure_band,job_family,employee_code\n" +
	"bad-address,不正 太郎,営業部,30s,3-5y,sales,E900\n" +
	"sato@test-shoji.example,佐藤 健,営業部/東京支店,30s,3-5y,sales,E001\n" +
	"suzuki@test-shoji.example,鈴木 美咲,開発部,20s,0-2y,engineering,E002\n" +
	"tanaka@test-shoji.example,田中 一郎,営業部,40s,11y+,sales,E003\n"

func TestRosterImportListsBadLinesAndSavesGoodOnes(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	b.login(f.AdminEmail, f.AdminPass)
	tok := b.csrf("/company/employees")

	// Without JavaScript: the whole page comes back with the result.
	p := b.upload("/company/employees/import", tok, "file", "roster.csv", rosterCSV)
	if p.Status != http.StatusOK {
		t.Fatalf("import: status %d", p.Status)
	}
	mustContain(t, p, "新規 3 名、更新 0 名", "2 行目：", "メールアドレスの形式が正しくありません", "佐藤 健", "営業部 / 東京支店", "30代", "3〜5年", "11年以上", "招待中", "3 名")
	if n := strings.Count(p.Body, "<li><strong>"); n != 1 {
		t.Errorf("%d error lines listed, want 1", n)
	}

	// With htmx: the result fragment plus the roster swapped out of band.
	p = b.upload("/company/employees/import", tok, "file", "roster.csv", rosterCSV, "HX-Request", "true")
	mustContain(t, p, "新規 0 名、更新 0 名", `id="roster" hx-swap-oob="true"`, "鈴木 美咲")
	mustNotContain(t, p, "<html")

	p = b.upload("/company/employees/import", tok, "file", "empty.csv", "")
	if p.Status != http.StatusBadRequest {
		t.Errorf("empty file: status %d, want 400", p.Status)
	}
	mustContain(t, p, "このファイルは取り込めませんでした")

	// The company summary counts them and shows the department tree.
	p = b.get("/company")
	mustContain(t, p, "テスト商事", "月額（回数込み）", "120", `id="employee-count">3<`, "東京支店", "開発部")
}

func TestRosterSearchFilterAndPaging(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	b.login(f.AdminEmail, f.AdminPass)
	var csv strings.Builder
	csv.WriteString("email,name,department,age_band,tenure_band,job_family,employee_code\n")
	for i := 0; i < 30; i++ {
		dept := "開発部"
		if i%3 == 0 {
			dept = "営業部/東京支店"
		}
		csv.WriteString("e" + string(rune('a'+i/10)) + string(rune('a'+i%10)) + "@test-shoji.example,社員" + string(rune('A'+i)) + "," + dept + ",30s,3-5y,,C" + string(rune('a'+i/10)) + string(rune('a'+i%10)) + "\n")
	}
	tok := b.csrf("/company/employees")
	if p := b.upload("/company/employees/import", tok, "file", "r.csv", csv.String()); !strings.Contains(p.Body, "新規 30 名") {
		t.Fatalf("import of 30 failed: %d", p.Status)
	}

	p := b.get("/company/employees")
	mustContain(t, p, "30 名", "1 / 2 ページ", `href="/company/employees?page=2"`)
	if n := strings.Count(p.Body, "badge-invited"); n != 25 {
		t.Errorf("page 1 has %d rows, want 25", n)
	}
	p = b.get("/company/employees?page=2", "HX-Request", "true")
	if n := strings.Count(p.Body, "badge-invited"); n != 5 {
		t.Errorf("page 2 has %d rows, want 5", n)
	}
	mustNotContain(t, p, "<html")

	p = b.get("/company/employees?q=" + url.QueryEscape("ea"))
	mustContain(t, p, "10 名")

	m := regexp.MustCompile(`<option value="([0-9a-f-]{36})">[^<]*東京支店</option>`).FindStringSubmatch(b.get("/company/employees").Body)
	if m == nil {
		t.Fatal("no 東京支店 in the department select")
	}
	p = b.get("/company/employees?department_id=" + m[1])
	mustContain(t, p, "10 名", `value="`+m[1]+`" selected`)

	if p := b.get("/company/employees?department_id=nope"); p.Status != http.StatusBadRequest {
		t.Errorf("bad department id: %d", p.Status)
	}
}

func TestLanguageSwitchChangesNavigationAndIsRemembered(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	b := newBrowser(t, h)
	b.login(f.AdminEmail, f.AdminPass)
	p := b.get("/company")
	mustContain(t, p, `<html lang="ja"`, ">従業員名簿<", ">ログアウト<")
	tok := csrfField.FindStringSubmatch(p.Body)[1]
	p = b.post("/lang", url.Values{"_csrf": {tok}, "lang": {"en"}, "next": {"/company"}})
	if p.Status != http.StatusSeeOther || p.location() != "/company" {
		t.Fatalf("switch: %d to %q", p.Status, p.location())
	}
	p = b.get("/company")
	mustContain(t, p, `<html lang="en"`, ">Employees<", ">Sign out<", "Subscription")
	mustNotContain(t, p, "従業員名簿")

	// The account remembers it: a fresh browser signs in in English.
	b2 := newBrowser(t, h)
	b2.login(f.AdminEmail, f.AdminPass)
	mustContain(t, b2.get("/company"), ">Employees<")

	// Anonymous: Japanese first, whatever the browser prefers.
	anon := newBrowser(t, h)
	mustContain(t, anon.get("/login"), "ログイン")
	anon.lang = "en-US,en;q=0.9"
	mustContain(t, anon.get("/login"), "ログイン", `<html lang="ja"`)
}

func TestOperatorCreatesCompanyAndAddsAdmin(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	h.Operator()
	b := newBrowser(t, h)
	if p := b.login("operator@taiwa.example", "operator-pass-2026"); p.location() != "/operator/companies" {
		t.Fatalf("operator home %q", p.location())
	}
	tok := b.csrf("/operator/companies")
	p := b.post("/operator/companies", url.Values{"_csrf": {tok}, "name": {"みなと物流"}, "plan_code": {"per_session"}, "seats": {"0"}, "min_group": {"5"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("invalid company: %d", p.Status)
	}
	mustContain(t, p, "10〜1,000 の整数で入力してください", "1〜1,000,000 の整数", `value="みなと物流"`)

	p = b.post("/operator/companies", url.Values{"_csrf": {tok}, "name": {"みなと物流"}, "plan_code": {"per_session"}, "seats": {"50"}, "min_group": {"12"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create company: %d\n%s", p.Status, p.Body)
	}
	p = b.get("/operator/companies")
	mustContain(t, p, "企業を登録しました", "みなと物流", "従量課金（1回ごと）", ">12<")
	m := regexp.MustCompile(`action="/operator/companies/([0-9a-f-]{36})/admins"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no add-admin form")
	}
	path := "/operator/companies/" + m[1] + "/admins"
	p = b.post(path, url.Values{"_csrf": {tok}, "name": {"人事 次郎"}, "email": {"not-an-email"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("bad admin: %d", p.Status)
	}
	mustContain(t, p, "メールアドレスの形式が正しくありません", `value="人事 次郎"`, "<details class=\"admin-form\" open>")

	p = b.post(path, url.Values{"_csrf": {tok}, "name": {"人事 次郎"}, "email": {"hr@minato.example"}, "password": {"minato-pass-2026"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add admin: %d", p.Status)
	}
	mustContain(t, b.get("/operator/companies"), "管理者を追加しました")
	admin := newBrowser(t, h)
	if p := admin.login("hr@minato.example", "minato-pass-2026"); p.location() != "/company" {
		t.Errorf("new admin lands on %q", p.location())
	}
	mustContain(t, admin.get("/company"), "みなと物流")

	p = b.post(path, url.Values{"_csrf": {tok}, "name": {"二重"}, "email": {"hr@minato.example"}})
	if p.Status != http.StatusBadRequest {
		t.Errorf("duplicate admin: %d", p.Status)
	}
	mustContain(t, p, "このメールアドレスは既に使われています")
}
