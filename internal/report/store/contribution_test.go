package store

import (
	"context"
	"slices"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/report"
)

func TestContributionTellsTheEmployeeOnlyTheirOwnPart(t *testing.T) {
	w := org(t)
	ctx := context.Background()
	small := w.people["総務部/法務課"][0]
	w.held(small, session{at: in(2026, 4, 2)})
	w.held(small, session{at: in(2026, 4, 9)})
	w.held(small, session{at: in(2024, 4, 9)})                      // older than 24 months
	w.held(small, session{at: in(2026, 3, 9), status: "cancelled"}) // not held
	me := auth.Principal{Role: auth.RoleEmployee, UserID: small, CompanyID: w.company}
	c, err := w.svc.Contribution(ctx, me)
	if err != nil {
		t.Fatal(err)
	}
	if c.Department != "総務部" || !c.RolledUp || c.AgeBand != "40s" || c.TenureBand != "11y+" || c.OptedOut || c.MinGroup != report.Floor {
		t.Errorf("contribution = %+v, want 総務部 rolled up, 40s, 11y+", c)
	}
	if !slices.Equal(c.Months, []string{"2026-04"}) || c.Sessions != 2 {
		t.Errorf("months %v, sessions %d; want [2026-04], 2", c.Months, c.Sessions)
	}

	big := w.people["営業部"][0]
	w.optOut(big)
	c, err = w.svc.Contribution(ctx, auth.Principal{Role: auth.RoleEmployee, UserID: big, CompanyID: w.company})
	if err != nil {
		t.Fatal(err)
	}
	if c.Department != "営業部" || c.RolledUp || !c.OptedOut || !slices.Equal(c.Months, []string{"2026-01"}) || c.Sessions != 1 {
		t.Errorf("contribution = %+v, want 営業部, opted out, January", c)
	}
	if _, err := w.svc.Contribution(ctx, w.admins[0]); !apperr.Is(err, apperr.CodeForbidden) {
		t.Errorf("an admin: err = %v, want 403", err)
	}
}

func TestRolledUpMatchesTheEngine(t *testing.T) {
	people := map[string]int{"A": 4, "A/x": 3, "A/y": 12, "B": 2, "B/z": 5, "C/w": 9, "": 2}
	for _, c := range []struct {
		path, key string
		rolled    bool
	}{
		{"A", "A", false},
		{"A/x", "A", true},
		{"A/y", "A/y", false},
		{"B/z", report.KeyOther, true}, // B's subtree has 7 people
		{"C/w", report.KeyOther, true},
		{"", report.KeyOther, false},
	} {
		if key, rolled := rolledUp(people, c.path, 10); key != c.key || rolled != c.rolled {
			t.Errorf("%q: %q rolled %v, want %q rolled %v", c.path, key, rolled, c.key, c.rolled)
		}
	}
	// The engine agrees: its department buckets are exactly these keys.
	var roster []report.Employee
	for p, n := range people {
		for range n {
			roster = append(roster, report.Employee{ID: newID(), Department: p})
		}
	}
	q, err := report.ParseQuery("2026-01", "2026-01", "department")
	if err != nil {
		t.Fatal(err)
	}
	tab := report.Build(report.Policy{}, q, roster, nil)
	var keys []string
	for _, cell := range tab.Cells {
		keys = append(keys, cell.Keys[0])
	}
	for p := range people {
		if key, _ := rolledUp(people, p, 10); !slices.Contains(keys, key) {
			t.Errorf("%q counts under %q, which the engine's table %v lacks", p, key, keys)
		}
	}
}
