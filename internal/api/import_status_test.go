package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

func TestRosterImportWithAStatusColumnDisablesLeaversAndEndsTheirSessions(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, hr := newCompany(t, h, op, "サンプル商事", "hr@sample-shoji.example")
	roster := "email,name,status\nstay@s.example,残る 人,在籍\nleave@s.example,辞める 人,\nleave2@s.example,辞める 二,active\n"
	if st, res := importCSV(t, hr, c.ID, roster); st != 200 || res.Created != 3 {
		t.Fatalf("first import: %d %+v", st, res)
	}
	// The leaver has a session that must end with the import.
	if _, err := ownerDB(t, h).Exec(`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = 'hr@sample-shoji.example') WHERE email = 'leave@s.example'`); err != nil {
		t.Fatal(err)
	}
	leaver := h.Login("leave@s.example", "admin-pass-2026")

	left := "email,name,status\nstay@s.example,残る 人,在籍\nleave@s.example,辞める 人,退職\nleave2@s.example,辞める 二,left\nnew@s.example,いない 人,退職\n"
	r := hr.Raw("POST", "/api/v1/companies/"+c.ID+"/employees/import", "text/csv", strings.NewReader(left))
	var res struct {
		importResult
		Disabled int `json:"disabled"`
	}
	decode(t, r.Body, &res)
	if r.Status != 200 || res.Disabled != 2 || res.Created != 0 || len(res.Errors) != 1 || res.Errors[0].Line != 5 || res.Errors[0].Code != "not_on_roster" || res.Errors[0].Column != "status" {
		t.Fatalf("leavers import: %d %s", r.Status, r.Body)
	}
	if st := leaver.Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("a leaver's session answered %d, want 401", st)
	}
	var disabled []string
	if err := ownerDB(t, h).Select(&disabled, `SELECT email FROM users WHERE disabled_at IS NOT NULL ORDER BY email`); err != nil {
		t.Fatal(err)
	}
	if strings.Join(disabled, ",") != "leave2@s.example,leave@s.example" {
		t.Fatalf("disabled: %v", disabled)
	}
	if n := auditCount(t, h, "user.disable", mustID(t, h, "leave@s.example"), "import"); n != 1 {
		t.Fatalf("%d import disables audited, want 1", n)
	}
	// Importing the same file again changes nothing.
	r = hr.Raw("POST", "/api/v1/companies/"+c.ID+"/employees/import", "text/csv", strings.NewReader(left))
	decode(t, r.Body, &res)
	if r.Status != 200 || res.Disabled != 0 {
		t.Fatalf("again: %d %s", r.Status, r.Body)
	}
}

func TestRosterImportWithABadStatusIsRefusedWholeNamingLineAndColumn(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, hr := newCompany(t, h, op, "サンプル商事", "hr@sample-shoji.example")
	bad := "email,name,status\nok@s.example,良い 人,在籍\nbad@s.example,悪い 行,休職\n"
	r := hr.Raw("POST", "/api/v1/companies/"+c.ID+"/employees/import", "text/csv", strings.NewReader(bad))
	var e apptest.APIError
	decode(t, r.Body, &e)
	if r.Status != http.StatusUnprocessableEntity || e.Error.Code != "invalid_status" || !strings.Contains(e.Error.Fields["status"], "line 3") ||
		!strings.Contains(e.Error.Fields["status"], "休職") {
		t.Fatalf("bad status: %d %s", r.Status, r.Body)
	}
	var n int
	if err := ownerDB(t, h).Get(&n, `SELECT count(*) FROM employees`); err != nil || n != 0 {
		t.Fatalf("%d employees imported from a refused file (%v)", n, err)
	}
}

func mustID(t *testing.T, h *apptest.Harness, email string) string {
	t.Helper()
	var id string
	if err := ownerDB(t, h).Get(&id, `SELECT id FROM users WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	return id
}
