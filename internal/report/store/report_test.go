package store

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
	"github.com/taiwa/taiwa/internal/report"
)

// org hires three departments of 30 (and a small 総務部/法務課 of 3 under
// 総務部) and gives each department 12 participants in January 2026.
func org(t *testing.T) *world {
	w := newWorld(t)
	for _, d := range []string{"営業部", "開発部", "総務部"} {
		ids := w.hire(d, 30, "30s", "3-5y")
		for i, id := range ids[:12] {
			w.held(id, session{at: in(2026, 1, 5+i), risk: "none", sat: 4, who5: [5]int{3, 3, 3, 3, 3}})
		}
	}
	w.hire("総務部/法務課", 3, "40s", "11y+")
	return w
}

func TestReportServesCellsSeatsAndTotal(t *testing.T) {
	w := org(t)
	rep, err := w.svc.Report(context.Background(), w.admins[0], w.company, w.request("2026-01", "2026-01", "department"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total.Suppressed || rep.Total.Employees != 36 || rep.Total.Sessions != 36 {
		t.Fatalf("total = %+v, want 36 people and sessions", rep.Total)
	}
	if c, ok := cellOf(rep, "営業部"); !ok || c.Suppressed || c.Employees != 12 {
		t.Errorf("営業部 = %+v (found %v), want 12 shown", c, ok)
	}
	if _, ok := cellOf(rep, "総務部/法務課"); ok {
		t.Error("the 3-person 総務部/法務課 has a row of its own; it must roll up into 総務部")
	}
	if rep.Seats != 200 || rep.MinGroup != 10 || rep.Snapshot || rep.From != "2026-01" || rep.By != "department" {
		t.Errorf("report = seats %d, min_group %d, snapshot %v, from %q, by %q", rep.Seats, rep.MinGroup, rep.Snapshot, rep.From, rep.By)
	}
	if rep.Total.WellbeingAvg == nil || *rep.Total.WellbeingAvg != 60 {
		t.Errorf("wellbeing = %v, want 60 (WHO-5 3×5×4)", rep.Total.WellbeingAvg)
	}
}

func TestBadQueriesAre400WithTheField(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct{ from, to, by, field string }{
		{"2026-13", "2026-13", "department", "from"},
		{"2026-03", "2026-01", "department", "to"},
		{"2024-01", "2026-03", "month", "to"},
		{"2026-01", "2026-02", "salary", "by"},
		{"2026-01", "2026-02", "department,month,theme", "by"},
	} {
		_, err := w.svc.Report(context.Background(), w.admins[0], w.company, Request{From: c.from, To: c.to, By: c.by})
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.CodeInvalid || e.Fields[c.field] == "" {
			t.Errorf("%s..%s by %s: err = %v, want 400 on %s", c.from, c.to, c.by, err, c.field)
		}
	}
}

// A closed range is served once through the guard, then from its snapshot
// unchanged; another min_group is another snapshot.
func TestClosedRangeIsServedFromItsSnapshot(t *testing.T) {
	w := org(t)
	ctx := context.Background()
	req := w.request("2026-01", "2026-03", "age_band")
	first, err := w.svc.Report(ctx, w.admins[0], w.company, req)
	if err != nil {
		t.Fatal(err)
	}
	// A late change to January does not reach the snapshot (nor the frozen month).
	w.held(w.people["営業部"][20], session{at: in(2026, 1, 28)})
	second, err := w.svc.Report(ctx, w.admins[1], w.company, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.Snapshot || !second.Snapshot {
		t.Fatalf("snapshot flags = %v then %v, want false then true", first.Snapshot, second.Snapshot)
	}
	a, b := *first, *second
	a.Snapshot, b.Snapshot = false, false
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) || !a.GeneratedAt.Equal(b.GeneratedAt) {
		t.Fatalf("snapshot differs from the report as served:\n%s\n%s", ja, jb)
	}
	var releases int
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Get(&releases, `SELECT releases FROM report_guard WHERE company_id = $1`, w.company)
	})
	if releases != 1 {
		t.Errorf("guard releases = %d, want 1 (a snapshot does no guard work)", releases)
	}
	w.exec(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE companies SET min_group = 12 WHERE id = $1`, w.company)
		return err
	})
	third, err := w.svc.Report(ctx, w.admins[0], w.company, req)
	if err != nil {
		t.Fatal(err)
	}
	if third.Snapshot || third.MinGroup != 12 {
		t.Errorf("after min_group 12: snapshot %v, min_group %d, want a new report under 12", third.Snapshot, third.MinGroup)
	}
	// An open range is never a snapshot.
	open := w.request("2026-03", "2026-04", "age_band")
	for range 2 {
		rep, err := w.svc.Report(ctx, w.admins[0], w.company, open)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Snapshot {
			t.Error("a range ending in the open month came from a snapshot")
		}
	}
}

// The guard is the company's, kept in the database: one admin's January
// report makes another admin's January–March report, which differs in
// 営業部 by 3 people, hide that cell or be refused; a company with no
// history is shown it.
func TestGuardPersistsAcrossRequestsAndAdmins(t *testing.T) {
	ctx := context.Background()
	addFeb := func(w *world) {
		for _, id := range w.people["営業部"][12:15] {
			w.held(id, session{at: in(2026, 2, 3), risk: "none"})
		}
	}
	fresh := org(t)
	addFeb(fresh)
	rep, err := fresh.svc.Report(ctx, fresh.admins[1], fresh.company, fresh.request("2026-01", "2026-03", "department"))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := cellOf(rep, "営業部"); c.Suppressed || c.Employees != 15 {
		t.Fatalf("without history 営業部 = %+v, want 15 shown", c)
	}

	w := org(t)
	addFeb(w)
	if _, err := w.svc.Report(ctx, w.admins[0], w.company, w.request("2026-01", "2026-01", "department")); err != nil {
		t.Fatal(err)
	}
	other := &Service{DB: w.env.DB, Keys: w.svc.Keys, Now: w.svc.Now} // another process
	rep, err = other.Report(ctx, w.admins[1], w.company, w.request("2026-01", "2026-03", "department"))
	if err != nil {
		if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeUnprocessable || e.APICode() != report.ReasonWouldReveal {
			t.Fatalf("err = %v, want 422 %s", err, report.ReasonWouldReveal)
		}
	} else if c, _ := cellOf(rep, "営業部"); !c.Suppressed {
		t.Fatalf("営業部 = %+v after January showed 12: the 3 February people would be revealed", c)
	}
	var state []byte
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Get(&state, `SELECT state FROM report_guard WHERE company_id = $1`, w.company)
	})
	g, err := decodeGuard(state)
	if err != nil || len(g.Cells) == 0 || len(g.Facts) == 0 || g.Key != nil {
		t.Fatalf("stored guard: err %v, %d cells, %d facts, key stored %v", err, len(g.Cells), len(g.Facts), g.Key != nil)
	}
}

func TestReportRateLimitIsPerUser(t *testing.T) {
	w := newWorld(t)
	w.svc.Limit = 2
	ctx := context.Background()
	req := w.request("2026-04", "2026-04", "theme")
	for i := range 2 {
		if _, err := w.svc.Report(ctx, w.admins[0], w.company, req); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	if _, err := w.svc.Report(ctx, w.admins[0], w.company, req); !apperr.Is(err, apperr.CodeRateLimited) {
		t.Fatalf("third request: err = %v, want 429", err)
	}
	if _, err := w.svc.Report(ctx, w.admins[1], w.company, req); err != nil {
		t.Fatalf("another admin: %v", err)
	}
}

// Every view and export is audited with the query and what was hidden,
// never a number of people.
func TestViewsAndExportsAreAuditedWithoutPeopleNumbers(t *testing.T) {
	w := org(t)
	ctx := context.Background()
	req := w.request("2026-01", "2026-02", "department")
	if _, err := w.svc.Report(ctx, w.admins[0], w.company, req); err != nil {
		t.Fatal(err)
	}
	req.Export = true
	if _, err := w.svc.Report(ctx, w.admins[1], w.company, req); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Action  string    `db:"action"`
		Actor   uuid.UUID `db:"actor_user_id"`
		Company uuid.UUID `db:"company_id"`
		Details []byte    `db:"details"`
	}
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Select(&rows, `SELECT action, actor_user_id, company_id, details FROM audit_log WHERE action LIKE 'report.%' ORDER BY id`)
	})
	if len(rows) != 2 || rows[0].Action != "report.view" || rows[1].Action != "report.export" ||
		rows[0].Actor != w.admins[0].UserID || rows[1].Company != w.company {
		t.Fatalf("audit rows = %+v", rows)
	}
	for _, r := range rows {
		var d map[string]any
		if err := json.Unmarshal(r.Details, &d); err != nil {
			t.Fatal(err)
		}
		for k := range d {
			switch k {
			case "from", "to", "grain", "by", "snapshot", "suppressed_cells":
			default:
				t.Errorf("audit details carry %q: %s", k, r.Details)
			}
		}
		if d["from"] != "2026-01" || d["by"] != "department" || d["snapshot"] == nil {
			t.Errorf("audit details = %s", r.Details)
		}
		if s := string(r.Details); strings.Contains(s, "employees") || strings.Contains(s, "sessions") {
			t.Errorf("audit details name people or sessions: %s", s)
		}
	}
}

func TestWhoMayReadReports(t *testing.T) {
	w := newWorld(t)
	other := newWorld(t)
	ctx := context.Background()
	req := w.request("2026-04", "2026-04", "theme")
	emp := w.hire("営業部", 1, "", "")[0]
	cases := []struct {
		name  string
		actor auth.Principal
		code  apperr.Code // "" = allowed
	}{
		{"the company's admin", w.admins[0], ""},
		{"an operator", auth.Principal{Role: auth.RoleOperator, UserID: uuid.New()}, ""},
		{"another company's admin", auth.Principal{Role: auth.RoleCompanyAdmin, UserID: uuid.New(), CompanyID: other.company}, apperr.CodeNotFound},
		{"the company's employee", auth.Principal{Role: auth.RoleEmployee, UserID: emp, CompanyID: w.company}, apperr.CodeForbidden},
		{"a counsellor", auth.Principal{Role: auth.RoleCounselor, UserID: w.cUser}, apperr.CodeNotFound},
	}
	for _, c := range cases {
		_, err := w.svc.Report(ctx, c.actor, w.company, req)
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.code != "" && !apperr.Is(err, c.code):
			t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
		}
	}
	op := auth.Principal{Role: auth.RoleOperator, UserID: uuid.New()}
	if _, err := w.svc.Report(ctx, op, uuid.New(), req); !apperr.Is(err, apperr.CodeNotFound) {
		t.Errorf("an operator on a company that does not exist: err = %v, want 404", err)
	}
}

// An opted-out employee is in no number: with 12 participants in each
// department and one of 営業部's opting out, 営業部 counts 11 and the
// total 35.
func TestOptedOutEmployeeIsAbsentFromEveryNumber(t *testing.T) {
	w := org(t)
	w.optOut(w.people["営業部"][0])
	rep, err := w.svc.Report(context.Background(), w.admins[0], w.company, w.request("2026-01", "2026-01", "department"))
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := cellOf(rep, "営業部"); c.Suppressed || c.Employees != 11 || c.Sessions != 11 {
		t.Errorf("営業部 = %+v, want 11 people", c)
	}
	if rep.Total.Suppressed || rep.Total.Employees != 35 || rep.Total.Sessions != 35 {
		t.Errorf("total = %+v, want 35 people and sessions", rep.Total)
	}
}

func TestRotateKeysResealsGuardKeys(t *testing.T) {
	w := org(t)
	ctx := context.Background()
	if _, err := w.svc.Report(ctx, w.admins[0], w.company, w.request("2026-01", "2026-01", "department")); err != nil {
		t.Fatal(err)
	}
	var before []byte
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Get(&before, `SELECT sealed_key FROM report_keys WHERE company_id = $1`, w.company)
	})
	old := w.svc.Keys
	spec := sealtest.Key(t, "k2")
	nk, both := sealtest.Ring(t, spec), sealtest.Ring(t, spec, w.keys)
	res, err := RotateKeys(ctx, w.env.DB, both, 10)
	if err != nil || res.Resealed != 1 || res.Unreadable != 0 {
		t.Fatalf("rotate = %+v, %v; want 1 re-sealed", res, err)
	}
	if res, err := RotateKeys(ctx, w.env.DB, both, 10); err != nil || res.Resealed != 0 {
		t.Fatalf("second rotate = %+v, %v; want nothing left", res, err)
	}
	var after []byte
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Get(&after, `SELECT sealed_key FROM report_keys WHERE company_id = $1`, w.company)
	})
	k1, err1 := old.Open(before, keyAAD(w.company))
	k2, err2 := nk.Open(after, keyAAD(w.company))
	if err1 != nil || err2 != nil || string(k1) != string(k2) {
		t.Fatalf("the guard key changed or does not open: %v %v", err1, err2)
	}
	// The service keeps working with the new key alone.
	w.svc.Keys = nk
	if _, err := w.svc.Report(ctx, w.admins[0], w.company, w.request("2026-01", "2026-02", "department")); err != nil {
		t.Fatal(err)
	}
}
