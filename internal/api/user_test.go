package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

type userStateJSON struct {
	ID         string  `json:"id"`
	Email      string  `json:"email"`
	Role       string  `json:"role"`
	Disabled   bool    `json:"disabled"`
	DisabledAt *string `json:"disabled_at"`
}

// auditCount counts audit entries of action on target with the given via.
func auditCount(t *testing.T, h *apptest.Harness, action, targetID, via string) int {
	t.Helper()
	var n int
	if err := ownerDB(t, h).Get(&n, `SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2 AND details->>'via' = $3`,
		action, targetID, via); err != nil {
		t.Fatal(err)
	}
	return n
}

func wantAPIError(t *testing.T, what string, r apptest.Response, status int, code string) {
	t.Helper()
	var e apptest.APIError
	decode(t, r.Body, &e)
	if r.Status != status || (code != "" && e.Error.Code != code) {
		t.Fatalf("%s: %d %s, want %d %s", what, r.Status, r.Body, status, code)
	}
}

func TestOperatorDisablesAndEnablesAUserWhoseOldTokensStayDead(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	company, _ := newCompany(t, h, op, "サンプル商事", "hr@sample-shoji.example")
	_ = company
	u := h.CreateUser(account.NewUser{Email: "leaver@taiwa.example", Name: "辞める 人", Role: auth.RoleOperator, Password: "leaver-pass-2026"})
	old := h.Login("leaver@taiwa.example", "leaver-pass-2026")

	var got userStateJSON
	if st := op.Do("POST", "/api/v1/users/"+u.ID.String()+"/disable", nil, &got); st != 200 || !got.Disabled || got.DisabledAt == nil || got.ID != u.ID.String() {
		t.Fatalf("disable: %d %+v", st, got)
	}
	if st := old.Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("a disabled user's old token answered %d, want 401", st)
	}
	login := map[string]string{"email": "leaver@taiwa.example", "password": "leaver-pass-2026"}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", login, nil); st != http.StatusUnauthorized {
		t.Fatalf("a disabled user signed in: %d", st)
	}
	// Twice is harmless and audited once.
	if st := op.Do("POST", "/api/v1/users/"+u.ID.String()+"/disable", nil, &got); st != 200 || !got.Disabled {
		t.Fatalf("disable again: %d %+v", st, got)
	}
	if n := auditCount(t, h, "user.disable", u.ID.String(), account.ViaAdmin); n != 1 {
		t.Fatalf("%d user.disable audit entries, want 1", n)
	}

	if st := op.Do("POST", "/api/v1/users/"+u.ID.String()+"/enable", nil, &got); st != 200 || got.Disabled || got.DisabledAt != nil {
		t.Fatalf("enable: %d %+v", st, got)
	}
	if st := old.Do("GET", "/api/v1/me", nil, nil); st != http.StatusUnauthorized {
		t.Fatalf("re-enabling resurrected an old token: %d", st)
	}
	if c := h.Login("leaver@taiwa.example", "leaver-pass-2026"); c.Do("GET", "/api/v1/me", nil, nil) != 200 {
		t.Fatal("an enabled user cannot use a fresh sign-in")
	}
	if n := auditCount(t, h, "user.enable", u.ID.String(), account.ViaAdmin); n != 1 {
		t.Fatalf("%d user.enable audit entries, want 1", n)
	}
	var list struct {
		Items []userStateJSON `json:"items"`
		Total int             `json:"total"`
	}
	if st := op.Do("GET", "/api/v1/users?q=leaver", nil, &list); st != 200 || list.Total != 1 || list.Items[0].Email != "leaver@taiwa.example" {
		t.Fatalf("list: %d %+v", st, list)
	}
}

func TestCompanyAdminDisablesOnlyTheirOwnCompanysPeople(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	a, hrA := newCompany(t, h, op, "A 社", "hr@a.example")
	b, _ := newCompany(t, h, op, "B 社", "hr@b.example")
	if st, res := importCSV(t, hrA, a.ID, "email,name\nemp@a.example,社員 A\n"); st != 200 || res.Created != 1 {
		t.Fatalf("import A: %d %+v", st, res)
	}
	hrB := h.Login("hr@b.example", "admin-pass-2026")
	if st, res := importCSV(t, hrB, b.ID, "email,name\nemp@b.example,社員 B\n"); st != 200 || res.Created != 1 {
		t.Fatalf("import B: %d %+v", st, res)
	}
	var ids []struct {
		ID    string `db:"id"`
		Email string `db:"email"`
	}
	if err := ownerDB(t, h).Select(&ids, `SELECT id, email FROM users`); err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, r := range ids {
		id[r.Email] = r.ID
	}
	counsellor, _ := counsellorClient(t, h, op, "c@taiwa.example")
	_ = counsellor
	for _, target := range []string{"emp@b.example", "hr@b.example", "operator@taiwa.example", "c@taiwa.example"} {
		r := post(hrA, "/api/v1/users/"+id[target]+"/disable", nil)
		wantAPIError(t, "company admin disables "+target, r, http.StatusNotFound, "not_found")
		r = post(hrA, "/api/v1/users/"+id[target]+"/enable", nil)
		wantAPIError(t, "company admin enables "+target, r, http.StatusNotFound, "not_found")
	}
	wantAPIError(t, "disable oneself", post(hrA, "/api/v1/users/"+id["hr@a.example"]+"/disable", nil), http.StatusUnprocessableEntity, string(account.ReasonSelf))
	wantAPIError(t, "unknown user", post(hrA, "/api/v1/users/00000000-0000-4000-8000-000000000000/disable", nil), http.StatusNotFound, "not_found")
	wantAPIError(t, "bad id", post(hrA, "/api/v1/users/nope/disable", nil), http.StatusNotFound, "not_found")

	var got userStateJSON
	if st := hrA.Do("POST", "/api/v1/users/"+id["emp@a.example"]+"/disable", nil, &got); st != 200 || !got.Disabled {
		t.Fatalf("company admin disables own employee: %d %+v", st, got)
	}
	var roster struct {
		Items []struct {
			Email  string `json:"email"`
			Status string `json:"status"`
		} `json:"items"`
	}
	if st := hrA.Do("GET", "/api/v1/companies/"+a.ID+"/employees", nil, &roster); st != 200 || len(roster.Items) != 1 || roster.Items[0].Status != "disabled" {
		t.Fatalf("roster after disabling: %d %+v", st, roster)
	}
	if st := hrA.Do("POST", "/api/v1/users/"+id["emp@a.example"]+"/enable", nil, &got); st != 200 || got.Disabled {
		t.Fatalf("company admin enables own employee: %d %+v", st, got)
	}
	emp := h.CreateUser(account.NewUser{CompanyID: mustUUID(t, a.ID), Email: "emp2@a.example", Name: "社員 2", Role: auth.RoleEmployee, Password: "employee-pass-2026"})
	empClient := h.Login("emp2@a.example", "employee-pass-2026")
	wantAPIError(t, "an employee disables someone", post(empClient, "/api/v1/users/"+id["emp@a.example"]+"/disable", nil), http.StatusForbidden, "")
	if n := auditCount(t, h, "user.disable", id["emp@a.example"], account.ViaAdmin); n != 1 {
		t.Fatalf("%d audit entries, want 1", n)
	}
	_ = emp
}

func TestTheLastActiveOperatorIsNeverDisabledEvenByTwoOperatorsAtOnce(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op1 := h.Operator()
	var id1, id2 string
	u2 := h.CreateUser(account.NewUser{Email: "op2@taiwa.example", Name: "運営 二", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	id2 = u2.ID.String()
	op2 := h.Login("op2@taiwa.example", "operator-pass-2026")
	if err := ownerDB(t, h).Get(&id1, `SELECT id FROM users WHERE email = 'operator@taiwa.example'`); err != nil {
		t.Fatal(err)
	}
	// Each disables the other at the same moment: one at most may win.
	var wg sync.WaitGroup
	res := make([]apptest.Response, 2)
	for i, pair := range []struct {
		c      *apptest.Client
		target string
	}{{op1, id2}, {op2, id1}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = post(pair.c.For(t), "/api/v1/users/"+pair.target+"/disable", nil)
		}()
	}
	wg.Wait()
	ok := 0
	for _, r := range res {
		switch r.Status {
		case 200:
			ok++
		case http.StatusUnprocessableEntity, http.StatusUnauthorized: // last_operator, or already disabled
		default:
			t.Fatalf("concurrent disable: %d %s", r.Status, r.Body)
		}
	}
	var active int
	if err := ownerDB(t, h).Get(&active, `SELECT count(*) FROM users WHERE role = 'operator' AND disabled_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || active != 1 {
		t.Fatalf("%d disables succeeded, %d operators active; want 1 and 1", ok, active)
	}
	// The one left cannot be disabled by anyone (here: the platform itself).
	var last string
	if err := ownerDB(t, h).Get(&last, `SELECT id FROM users WHERE role = 'operator' AND disabled_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	err := disableAsSystem(t, h, mustUUID(t, last))
	if e, isApp := apperrAs(err); !isApp || e.Reason != account.ReasonLastOperator {
		t.Fatalf("disabling the last operator: %v, want %s", err, account.ReasonLastOperator)
	}
}

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// disableAsSystem disables a user as the platform (what the CLI does).
func disableAsSystem(t *testing.T, h *apptest.Harness, id uuid.UUID) error {
	t.Helper()
	return h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return account.DisableTx(context.Background(), tx, auth.Principal{Role: db.RoleSystem}, id, account.ViaAdmin)
	})
}

func apperrAs(err error) (*apperr.Error, bool) { return apperr.As(err) }
