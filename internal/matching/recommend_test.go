package matching_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

const day = 24 * time.Hour

func ids(res matching.Result) []uuid.UUID {
	out := make([]uuid.UUID, len(res.Items))
	for i, it := range res.Items {
		out[i] = it.Counselor.ID
	}
	return out
}

func TestRecommendReturnsOnlyCounsellorsPassingEveryHardConstraint(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx := context.Background()
	ok := cspec{gender: "female", languages: []string{"ja", "en"}, formats: []string{"video"}, next: 2 * day}
	expired := ok
	expired.creds = []credSpec{{kind: "career_consultant", expires: f.now.AddDate(0, 0, -2).Format(time.DateOnly)}}
	wrongTheme := ok
	wrongTheme.creds = []credSpec{{kind: "icf_coach"}} // career needs a career consultant
	male := ok
	male.gender = "male"
	jaOnly := ok
	jaOnly.languages = []string{"ja"}
	phone := ok
	phone.formats = []string{"phone"}
	noSlot := ok
	noSlot.next = 0
	pastSlot := ok
	pastSlot.next = -time.Hour
	pending := ok
	pending.status = "pending"
	made, _ := f.addCounselors(t, ok, expired, wrongTheme, male, jaOnly, phone, noSlot, pastSlot, pending, ok)
	// Suspended after indexing: the search row is stale, the rule is not.
	f.exec(t, `UPDATE counselors SET status = 'suspended' WHERE id = $1`, made[9])

	emp := f.emps[0]
	fp := answers(3, 3)
	fp.Theme = "career"
	fp.Preferences = &matching.Preferences{Gender: "female", Languages: []string{"en"}, Formats: []string{"video"}}
	if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Recommend(ctx, emp, matching.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res); len(got) != 1 || got[0] != made[0] {
		t.Fatalf("recommended %v, want only %v", got, made[0])
	}
	if n := res.Narrowed; n == nil || n.Available != 1 || !strings.Contains(n.Label, "英語対応 + 女性") {
		t.Fatalf("narrowed = %+v, want 1 with label 英語対応 + 女性", res.Narrowed)
	}
	if r := res.Items[0].Reasons; len(r) < 2 || len(r) > 3 {
		t.Fatalf("reasons = %q, want two or three", r)
	}
}

func TestRecommendRefusesBadQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 2)
	ctx := context.Background()
	if _, err := f.svc.Recommend(ctx, f.emps[0], matching.Query{Theme: "career"}); !apperr.Is(err, apperr.CodeConflict) {
		t.Fatalf("without a profile: %v, want conflict fit_profile_required", err)
	}
	if _, err := f.svc.SaveFitProfile(ctx, f.emps[0], answers(2, 4)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		q     matching.Query
		field string
	}{
		{"no theme anywhere", matching.Query{}, "theme"},
		{"unknown theme", matching.Query{Theme: "astrology"}, "theme"},
		{"unknown relax", matching.Query{Theme: "career", Relax: []string{"price"}}, "relax"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.svc.Recommend(ctx, f.emps[0], c.q)
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid || e.Fields[c.field] == "" {
				t.Fatalf("err = %v, want 400 naming %s", err, c.field)
			}
		})
	}
	if _, err := f.svc.Recommend(ctx, f.admin, matching.Query{Theme: "career"}); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("company admin: %v, want forbidden", err)
	}
}

func TestDismissedCounsellorNeverComesBack(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx := context.Background()
	var specs []cspec
	for range 12 {
		specs = append(specs, cspec{next: day})
	}
	made, _ := f.addCounselors(t, specs...)
	emp := f.emps[0]
	fp := answers(4, 3)
	fp.Theme = "career"
	if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Recommend(ctx, emp, matching.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 10 || res.Narrowed != nil {
		t.Fatalf("got %d items, narrowed %+v; want 10 and no narrowing", len(res.Items), res.Narrowed)
	}
	gone := res.Items[0].Counselor.ID
	if err := f.svc.Dismiss(ctx, emp, gone, "style"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		res, err = f.svc.Recommend(ctx, emp, matching.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(ids(res), gone) {
			t.Fatal("a dismissed counsellor came back")
		}
	}
	if err := f.svc.Dismiss(ctx, emp, made[1], "astrology"); !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("unknown reason: %v, want 400", err)
	}
	if err := f.svc.Dismiss(ctx, emp, uuid.New(), ""); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("unknown counsellor: %v, want 404", err)
	}
}
