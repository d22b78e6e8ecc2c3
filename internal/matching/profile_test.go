package matching_test

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

func TestSaveFitProfileStoresAndReturnsTheAnswers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx := context.Background()
	emp := f.emps[0]
	if _, err := f.svc.MyFitProfile(ctx, emp); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("before answering: err = %v, want not_found", err)
	}
	fp := answers(3, 2)
	fp.Values["power"] = 5
	fp.Theme = "career"
	fp.Preferences = &matching.Preferences{Gender: "any", Languages: []string{"en", "ja", "en"}}
	if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.MyFitProfile(ctx, emp)
	if err != nil {
		t.Fatal(err)
	}
	if got.Values["power"] != 5 || got.Values["security"] != 3 || got.Style["structured_free"] != 2 || got.Theme != "career" {
		t.Fatalf("read back %+v", got)
	}
	if p := got.Preferences; p == nil || p.Gender != "" || len(p.Languages) != 2 || p.Languages[0] != "ja" {
		t.Fatalf("preferences = %+v, want gender any stored as empty and languages [ja en]", got.Preferences)
	}
}

func TestSaveFitProfileRefusesBadAnswersNamingTheField(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	_, ps := f.addCounselors(t, cspec{next: day})
	ctx := context.Background()
	cases := []struct {
		name  string
		who   string
		edit  func(*matching.FitProfile)
		field string
	}{
		{"value above 5", "employee", func(fp *matching.FitProfile) { fp.Values["power"] = 6 }, "values.power"},
		{"value 0", "employee", func(fp *matching.FitProfile) { fp.Values["security"] = 0 }, "values.security"},
		{"style missing", "employee", func(fp *matching.FitProfile) { delete(fp.Style, "structured_free") }, "style.structured_free"},
		{"unknown item", "employee", func(fp *matching.FitProfile) { fp.Values["luck"] = 3 }, "values.luck"},
		{"unknown theme", "employee", func(fp *matching.FitProfile) { fp.Theme = "astrology" }, "theme"},
		{"unknown gender", "employee", func(fp *matching.FitProfile) { fp.Preferences = &matching.Preferences{Gender: "robot"} }, "preferences.gender"},
		{"unknown language", "employee", func(fp *matching.FitProfile) { fp.Preferences = &matching.Preferences{Languages: []string{"xx"}} }, "preferences.languages"},
		{"unknown format", "employee", func(fp *matching.FitProfile) { fp.Preferences = &matching.Preferences{Formats: []string{"fax"}} }, "preferences.formats"},
		{"unknown time of day", "employee", func(fp *matching.FitProfile) { fp.Preferences = &matching.Preferences{TimeOfDay: []string{"midnight"}} }, "preferences.time_of_day"},
		{"counsellor with preferences", "counselor", func(fp *matching.FitProfile) { fp.Preferences = &matching.Preferences{} }, "preferences"},
		{"counsellor with a theme", "counselor", func(fp *matching.FitProfile) { fp.Theme = "career" }, "theme"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fp := answers(3, 3)
			c.edit(&fp)
			actor := f.emps[0]
			if c.who == "counselor" {
				actor = ps[0]
			}
			_, err := f.svc.SaveFitProfile(ctx, actor, fp)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid || e.Fields[c.field] == "" {
				t.Fatalf("err = %v, want 400 naming %s", err, c.field)
			}
		})
	}
	if _, err := f.svc.MyFitProfile(ctx, f.emps[0]); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("after refused saves: %v, want nothing stored", err)
	}
	if _, err := f.svc.SaveFitProfile(ctx, ps[0], answers(5, 1)); err != nil {
		t.Fatalf("counsellor's answers: %v", err)
	}
	if got, err := f.svc.MyFitProfile(ctx, ps[0]); err != nil || got.Values["power"] != 5 || got.Preferences != nil {
		t.Fatalf("counsellor reads back %+v, %v", got, err)
	}
	if _, err := f.svc.SaveFitProfile(ctx, f.admin, answers(3, 3)); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("company admin saving: %v, want forbidden", err)
	}
}

func TestCompanyAdminAndColleaguesNeverSeeAnEmployeesAnswers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 2)
	ctx := context.Background()
	fp := answers(4, 2)
	fp.Theme = "mental_health"
	if _, err := f.svc.SaveFitProfile(ctx, f.emps[0], fp); err != nil {
		t.Fatal(err)
	}
	for name, actor := range map[string]auth.Principal{"company admin": f.admin, "colleague": f.emps[1]} {
		var n int
		err := f.env.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
			return tx.Get(&n, `SELECT (SELECT count(*) FROM employee_fit_profiles) + (SELECT count(*) FROM match_dismissals)`)
		})
		if err != nil || n != 0 {
			t.Fatalf("%s sees %d rows (%v), want 0", name, n, err)
		}
	}
	if _, err := f.svc.MyFitProfile(ctx, f.emps[1]); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("colleague's own profile: %v, want not_found", err)
	}
}
