package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
)

func mustHash(t *testing.T, pw string) string {
	t.Helper()
	h, err := account.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const roster = "\ufeffemail,name,department,age_band,tenure_band,job_family,employee_code\n" +
	"sato@a.example,佐藤 一郎,営業部/東京支店,30s,3-5y,営業,A-001\n" +
	"suzuki@a.example,鈴木 花子,営業部/大阪支店,40s,11y+,営業,A-002\n" +
	"not-an-email,高橋 次郎,営業部,20s,0-2y,企画,A-003\n" +
	"tanaka@a.example,田中 三郎,開発本部/基盤部/SRE,50s,6-10y,エンジニア,A-004\n" +
	"ito@a.example,伊藤 四郎,営業部,19s,0-2y,営業,A-005\n" +
	"sato@a.example,佐藤 重複,営業部,30s,3-5y,営業,A-006\n" +
	"watanabe@a.example,渡辺 五郎,営業部//東京,30s,3-5y,営業,A-007\n" +
	"yamamoto@a.example,山本 六子,,,,,A-001\n" +
	"kobayashi@a.example,小林 七海,広報室,60s,11y+,広報,\n"

func TestImportKeepsGoodLinesAndNamesEachBadLine(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, admin := newCompany(t, h, op, "A社", "hr@a.example")
	st, res := importCSV(t, admin, c.ID, roster)
	if st != 200 {
		t.Fatalf("status %d", st)
	}
	if res.Created != 4 || res.Updated != 0 {
		t.Fatalf("created %d updated %d, want 4 and 0 (errors %+v)", res.Created, res.Updated, res.Errors)
	}
	want := map[int]string{4: "email", 6: "age_band", 7: "line 2", 8: "department", 9: "employee_code"}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors = %+v, want lines 4, 6, 7, 8, 9", res.Errors)
	}
	for _, e := range res.Errors {
		if w, ok := want[e.Line]; !ok || !strings.Contains(e.Message, w) {
			t.Errorf("line %d: %q, want a message mentioning %q", e.Line, e.Message, w)
		}
	}

	var deps struct {
		Items []struct {
			Path      string `json:"path"`
			Employees int    `json:"employees"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/companies/"+c.ID+"/departments", nil, &deps)
	var paths []string
	for _, d := range deps.Items {
		paths = append(paths, d.Path)
	}
	if got := strings.Join(paths, " | "); got != "営業部 | 営業部/大阪支店 | 営業部/東京支店 | 広報室 | 開発本部 | 開発本部/基盤部 | 開発本部/基盤部/SRE" {
		t.Fatalf("department tree = %s", got)
	}

	// Importing the same file again changes nothing.
	st, again := importCSV(t, admin, c.ID, roster)
	if st != 200 || again.Created != 0 || again.Updated != 0 || len(again.Errors) != 5 {
		t.Fatalf("re-import: %d %+v, want nothing created or updated", st, again)
	}
	// A changed line updates that employee only.
	st, changed := importCSV(t, admin, c.ID, "email,name,department,age_band,tenure_band,job_family,employee_code\nsato@a.example,佐藤 一郎,開発本部,30s,3-5y,エンジニア,A-001\n")
	if st != 200 || changed.Created != 0 || changed.Updated != 1 {
		t.Fatalf("change: %d %+v, want 1 updated", st, changed)
	}
	var emps struct {
		Total int `json:"total"`
		Items []struct {
			Email      string `json:"email"`
			Department string `json:"department"`
			Status     string `json:"status"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/companies/"+c.ID+"/employees?q=sato", nil, &emps)
	if emps.Total != 1 || emps.Items[0].Department != "開発本部" || emps.Items[0].Status != "invited" {
		t.Fatalf("sato after change: %+v", emps)
	}
}

func TestImportRefusesAFileWithABadHeaderAndWritesNothing(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c, admin := newCompany(t, h, h.Operator(), "A社", "hr@a.example")
	for name, csv := range map[string]string{
		"empty":          "",
		"unknown column": "email,name,salary\na@a.example,A,1\n",
		"missing name":   "email,department\na@a.example,営業部\n",
		"not UTF-8":      "email,name\na@a.example,\x82\xa0\n",
	} {
		st, _ := importCSV(t, admin, c.ID, csv)
		if st != 400 {
			t.Errorf("%s: status %d, want 400", name, st)
		}
	}
	var emps struct {
		Total int `json:"total"`
	}
	admin.Do("GET", "/api/v1/companies/"+c.ID+"/employees", nil, &emps)
	if emps.Total != 0 {
		t.Fatalf("refused files left %d employees", emps.Total)
	}
}

func TestImportedEmployeesAreInvitedAndTheLinkWorksOnce(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c, admin := newCompany(t, h, h.Operator(), "A社", "hr@a.example")
	h.DrainOutbox() // the admin had a password: no invitation
	if st, res := importCSV(t, admin, c.ID, "email,name\nsato@a.example,佐藤 一郎\n"); st != 200 || res.Created != 1 {
		t.Fatalf("import: %d %+v", st, res)
	}
	if n := h.DrainOutbox(); n != 1 {
		t.Fatalf("outbox sent %d messages, want 1 invitation", n)
	}
	link := invitationLink(t, h, "sato@a.example")
	token := link[strings.Index(link, "token=")+len("token="):]

	var e apptest.APIError
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "short"}, &e); st != 400 || e.Error.Fields["password"] == "" {
		t.Fatalf("short password: %d %+v", st, e)
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "my-own-pass-2026"}, nil); st != 200 {
		t.Fatalf("set password: %d", st)
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "another-pass-2026"}, &e); st != 422 || e.Error.Code != "invalid_link" {
		t.Fatalf("second use: %d %+v, want 422 invalid_link", st, e)
	}
	emp := h.Login("sato@a.example", "my-own-pass-2026")
	var me map[string]any
	if st := emp.Do("GET", "/api/v1/me", nil, &me); st != 200 || me["role"] != "employee" || me["company_id"] != c.ID {
		t.Fatalf("me: %d %v", st, me)
	}
	// Re-importing does not invite again.
	importCSV(t, admin, c.ID, "email,name\nsato@a.example,佐藤 一郎\n")
	if n := h.DrainOutbox(); n != 0 {
		t.Fatalf("re-import queued %d messages, want 0", n)
	}
}

// TestLargeImportAcrossBatchesReportsTakenEmailsAndLeavesNoStrayDepartment
// crosses the import's batch size with rules refusing rows in the middle.
func TestLargeImportAcrossBatchesReportsTakenEmailsAndLeavesNoStrayDepartment(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	b, adminB := newCompany(t, h, op, "B社", "hr@b.example")
	importCSV(t, adminB, b.ID, "email,name,employee_code\ntaken@b.example,他社 社員,B-1\n")
	c, admin := newCompany(t, h, op, "A社", "hr@a.example")
	importCSV(t, admin, c.ID, "email,name,employee_code\nfirst@a.example,先行 社員,A-00007\n")
	if n := h.DrainOutbox(); n != 2 {
		t.Fatalf("%d invitations for the first two imports, want 2", n)
	}

	var sb strings.Builder
	sb.WriteString("email,name,department,employee_code\n")
	for i := 1; i <= 2500; i++ {
		fmt.Fprintf(&sb, "e%05d@a.example,社員 %d,本部%d/課%d,A-%05d\n", i, i, i%3, i%7, i)
	}
	sb.WriteString("taken@b.example,横取り,孤立部,A-99999\n") // line 2502: another company's account
	st, res := importCSV(t, admin, c.ID, sb.String())
	if st != 200 || res.Created != 2499 {
		t.Fatalf("status %d created %d, want 2499 (errors %+v)", st, res.Created, res.Errors)
	}
	if len(res.Errors) != 2 || res.Errors[0].Line != 8 || !strings.Contains(res.Errors[0].Message, "employee_code") ||
		res.Errors[1].Line != 2502 || !strings.Contains(res.Errors[1].Message, "email") {
		t.Fatalf("errors = %+v, want line 8 (code A-00007 taken) and line 2502 (email taken)", res.Errors)
	}
	var deps struct {
		Items []struct {
			Path string `json:"path"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/companies/"+c.ID+"/departments", nil, &deps)
	for _, d := range deps.Items {
		if d.Path == "孤立部" {
			t.Fatal("a refused row left its department behind")
		}
	}
	if len(deps.Items) != 3+21 {
		t.Fatalf("%d departments, want 24", len(deps.Items))
	}
	if n := h.DrainOutbox(); n != 2499 {
		t.Fatalf("%d invitations sent, want 2499", n)
	}
}

// TestImportReportsNULAndControlLinesAndTakesTheUIsLabels: a NUL or a
// control character in any cell is that line's error (it never reaches
// PostgreSQL, so the good lines are kept), and bands may be written as the
// UI shows them.
func TestImportReportsNULAndControlLinesAndTakesTheUIsLabels(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, admin := newCompany(t, h, op, "B社", "hr@b.example")
	csv := "email,name,department,age_band,tenure_band,job_family,employee_code\n" +
		"ok1@b.example,岡 一郎,営業部,４０代,0〜2年,営業,B-001\n" +
		"nul@b.example,ヌル\x00太郎,営業部,30s,3-5y,営業,B-002\n" +
		"ok2@b.example,岡 二郎,営業部,30s,11年以上,営業,B-003\n" +
		"esc@b.example,エスケープ,営業部\x1b[31m,30s,3-5y,営業,B-004\n" +
		"ok3@b.example,岡 三郎,営業部,70代,6–10 years,営業,B-005\n"
	st, res := importCSV(t, admin, c.ID, csv)
	if st != 200 || res.Created != 3 {
		t.Fatalf("status %d, %+v: want the 3 good lines created", st, res)
	}
	want := map[int]string{3: "name", 5: "department"}
	if len(res.Errors) != len(want) {
		t.Fatalf("errors %+v", res.Errors)
	}
	for _, e := range res.Errors {
		if w := want[e.Line]; w == "" || !strings.HasPrefix(e.Message, w+":") || e.Code != "text" || e.Column != w {
			t.Errorf("line %d: %+v, want code text naming %s", e.Line, e, w)
		}
	}
	var emps struct {
		Items []struct {
			Email      string `json:"email"`
			AgeBand    string `json:"age_band"`
			TenureBand string `json:"tenure_band"`
		} `json:"items"`
	}
	admin.Do("GET", "/api/v1/companies/"+c.ID+"/employees?q=ok1", nil, &emps)
	if len(emps.Items) != 1 || emps.Items[0].AgeBand != "40s" || emps.Items[0].TenureBand != "0-2y" {
		t.Fatalf("ok1: %+v", emps.Items)
	}
}
