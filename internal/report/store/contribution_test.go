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
