package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

type companyJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	PlanCode string `json:"plan_code"`
	Seats    int    `json:"seats"`
	MinGroup int    `json:"min_group"`
}

// newCompany creates a company and its admin (with a password) as op and
// returns the company and the admin's client.
func newCompany(t *testing.T, h *apptest.Harness, op *apptest.Client, name, adminEmail string) (companyJSON, *apptest.Client) {
	t.Helper()
	var c companyJSON
	if st := op.Do("POST", "/api/v1/companies", map[string]any{"name": name, "plan_code": "subscription", "seats": 100}, &c); st != 201 {
		t.Fatalf("create company: %d", st)
	}
	if st := op.Do("POST", "/api/v1/companies/"+c.ID+"/admins", map[string]any{"email": adminEmail, "name": "人事 花子", "password": "admin-pass-2026"}, nil); st != 201 {
		t.Fatalf("create admin: %d", st)
	}
	return c, h.Login(adminEmail, "admin-pass-2026")
}

func importCSV(t *testing.T, c *apptest.Client, companyID, csv string) (int, importResult) {
	t.Helper()
	r := c.Raw("POST", "/api/v1/companies/"+companyID+"/employees/import", "text/csv", strings.NewReader(csv))
	var out importResult
	decode(t, r.Body, &out)
	return r.Status, out
}

type importResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Errors  []struct {
		Line    int    `json:"line"`
		Code    string `json:"code"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
}

func TestOperatorCreatesCompanyWithPlanSeatsAndMinGroup(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	var c companyJSON
	st := op.Do("POST", "/api/v1/companies", map[string]any{"name": "サンプル商事", "plan_code": "per_seat", "seats": 250, "min_group": 15}, &c)
	if st != 201 || c.ID == "" || c.Name != "サンプル商事" || c.PlanCode != "per_seat" || c.Seats != 250 || c.MinGroup != 15 {
		t.Fatalf("create: %d %+v", st, c)
	}
	var def companyJSON
	op.Do("POST", "/api/v1/companies", map[string]any{"name": "B", "plan_code": "trial", "seats": 5}, &def)
	if def.MinGroup != 10 {
		t.Fatalf("default min_group = %d, want the platform floor 10", def.MinGroup)
	}
	var got companyJSON
	if st := op.Do("GET", "/api/v1/companies/"+c.ID, nil, &got); st != 200 || got != c {
		t.Fatalf("get: %d %+v, want %+v", st, got, c)
	}
}

func TestCompanyCreateRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cases := []struct {
		body  string
		field string
	}{
		{`{"name":"x","plan_code":"subscription","seats":10,"min_group":9}`, "min_group"},
		{`{"name":"x","plan_code":"gold","seats":10}`, "plan_code"},
		{`{"name":"","plan_code":"subscription","seats":10}`, "name"},
		{`{"name":"x","plan_code":"subscription","seats":0}`, "seats"},
		{`{"name":"x","plan_code":"subscription","seats":"ten"}`, "seats"},
		{`{"name":"x","plan_code":"subscription","seats":1.5}`, "seats"},
		{`{"name":"` + strings.Repeat("社", 201) + `","plan_code":"subscription","seats":1}`, "name"},
	}
	for _, c := range cases {
		r := op.Raw("POST", "/api/v1/companies", "application/json", strings.NewReader(c.body))
		var e apptest.APIError
		decode(t, r.Body, &e)
		if r.Status != 400 || e.Error.Fields[c.field] == "" {
			t.Errorf("%s: status %d fields %v, want 400 naming %s", c.body, r.Status, e.Error.Fields, c.field)
		}
	}
	var list struct {
		Total int `json:"total"`
	}
	op.Do("GET", "/api/v1/companies", nil, &list)
	if list.Total != 0 {
		t.Fatalf("refused requests left %d companies behind", list.Total)
	}
}

// TestCompanyAdminGetsNotFoundForAnotherCompany attacks every company route
// with another company's id: the answer is 404, never 403 or data.
func TestCompanyAdminGetsNotFoundForAnotherCompany(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	a, adminA := newCompany(t, h, op, "A社", "hr@a.example")
	b, adminB := newCompany(t, h, op, "B社", "hr@b.example")
	if st, _ := importCSV(t, adminB, b.ID, "email,name\nsecret@b.example,秘密 太郎\n"); st != 200 {
		t.Fatalf("import B: %d", st)
	}
	routes := []struct{ method, path, ct, body string }{
		{"GET", "/api/v1/companies/%s", "", ""},
		{"GET", "/api/v1/companies/%s/employees", "", ""},
		{"GET", "/api/v1/companies/%s/employees?q=secret", "", ""},
		{"GET", "/api/v1/companies/%s/departments", "", ""},
		{"POST", "/api/v1/companies/%s/employees/import", "text/csv", "email,name\nintruder@a.example,侵入\n"},
	}
	for _, r := range routes {
		path := fmt.Sprintf(r.path, b.ID)
		resp := adminA.Raw(r.method, path, r.ct, strings.NewReader(r.body))
		if resp.Status != http.StatusNotFound {
			t.Errorf("A's admin %s %s: %d %s, want 404", r.method, path, resp.Status, resp.Body)
		}
		if strings.Contains(string(resp.Body), "secret@b.example") || strings.Contains(string(resp.Body), "B社") {
			t.Errorf("A's admin %s %s leaked B's data: %s", r.method, path, resp.Body)
		}
		// A malformed id is just as missing.
		if st := adminA.Raw(r.method, fmt.Sprintf(r.path, "not-a-uuid"), r.ct, strings.NewReader(r.body)).Status; st != 404 {
			t.Errorf("%s with a malformed id: %d, want 404", r.method, st)
		}
	}
	var emps struct {
		Total int `json:"total"`
	}
	adminB.Do("GET", "/api/v1/companies/"+b.ID+"/employees", nil, &emps)
	if emps.Total != 1 {
		t.Fatalf("B has %d employees after A's attempts, want 1", emps.Total)
	}
	adminA.Do("GET", "/api/v1/companies/"+a.ID+"/employees", nil, &emps)
	if emps.Total != 0 {
		t.Fatalf("A has %d employees: the refused import wrote rows", emps.Total)
	}
}

func TestRolesAreCheckedOnEveryOperatorRoute(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	c, admin := newCompany(t, h, op, "A社", "hr@a.example")
	importCSV(t, admin, c.ID, "email,name\nemp@a.example,社員 一郎\n")
	// Give the imported employee a password through the database, then sign in.
	hash := mustHash(t, "employee-pass-2026")
	if _, err := ownerDB(t, h).Exec(`UPDATE users SET password_hash = $1 WHERE email = 'emp@a.example'`, hash); err != nil {
		t.Fatal(err)
	}
	emp := h.Login("emp@a.example", "employee-pass-2026")
	calls := []struct{ method, path, body string }{
		{"GET", "/api/v1/companies", ""},
		{"POST", "/api/v1/companies", `{"name":"x","plan_code":"trial","seats":1}`},
		{"POST", "/api/v1/companies/" + c.ID + "/admins", `{"email":"x@a.example","name":"x"}`},
		{"POST", "/api/v1/counselors", `{"email":"c@taiwa.example","name":"c"}`},
		{"GET", "/api/v1/companies/" + c.ID + "/employees", ""},
		{"POST", "/api/v1/companies/" + c.ID + "/employees/import", ""},
	}
	for _, call := range calls {
		ct := "application/json"
		if strings.HasSuffix(call.path, "import") {
			ct = "text/csv"
		}
		if st := emp.Raw(call.method, call.path, ct, strings.NewReader(call.body)).Status; st != http.StatusForbidden {
			t.Errorf("employee %s %s: %d, want 403", call.method, call.path, st)
		}
		if st := h.Anonymous().Raw(call.method, call.path, ct, strings.NewReader(call.body)).Status; st != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %d, want 401", call.method, call.path, st)
		}
	}
	if st := admin.Do("POST", "/api/v1/companies", map[string]any{"name": "x", "plan_code": "trial", "seats": 1}, nil); st != 403 {
		t.Errorf("company admin creating a company: %d, want 403", st)
	}
}
