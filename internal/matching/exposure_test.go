package matching_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// exposures reads counselor_match's stored exposure of each counsellor.
func exposures(t *testing.T, f *fixture) map[uuid.UUID]float64 {
	t.Helper()
	var rows []struct {
		ID       uuid.UUID `db:"counselor_id"`
		Exposure float64   `db:"exposure"`
	}
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&rows, `SELECT counselor_id, exposure FROM counselor_match`)
	}); err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]float64{}
	for _, r := range rows {
		out[r.ID] = r.Exposure
	}
	return out
}

// A recommendation writes nothing in its own transaction; the counts of
// who was shown reach counselor_match with the next flush, once per
// showing, and only for those shown.
func TestExposureIsCountedByTheFlushNotByTheRequest(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx := context.Background()
	var specs []cspec
	for range 12 {
		specs = append(specs, cspec{next: day})
	}
	f.addCounselors(t, specs...)
	emp := f.emps[0]
	fp := answers(4, 3)
	fp.Theme = "career"
	if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
		t.Fatal(err)
	}
	before := exposures(t, f)
	first, err := f.svc.Recommend(ctx, emp, matching.Query{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.svc.Recommend(ctx, emp, matching.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if got := exposures(t, f); !equalExposures(got, before) {
		t.Fatalf("the requests wrote exposure themselves: %v, was %v", got, before)
	}
	if err := f.svc.FlushExposure(ctx); err != nil {
		t.Fatal(err)
	}
	shown := map[uuid.UUID]float64{}
	for _, id := range append(ids(first), ids(second)...) {
		shown[id]++
	}
	after := exposures(t, f)
	for id, was := range before {
		if want := was + shown[id]; after[id] != want { // the fixture's clock stands still: no decay
			t.Errorf("counsellor %s: exposure %v, want %v", id, after[id], want)
		}
	}
	if err := f.svc.FlushExposure(ctx); err != nil || !equalExposures(exposures(t, f), after) {
		t.Fatalf("a flush with nothing new changed exposure (err %v)", err)
	}
}

func equalExposures(a, b map[uuid.UUID]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// The candidate cache answers what a fresh parse answers, also after rows
// changed under it: a service that has cached every line and one that
// never read any give the same scores, before and after an exposure flush
// and a rating change rewrote some of the lines.
func TestCachedCandidatesGiveTheSameRecommendationsAsAFreshRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx := context.Background()
	var specs []cspec
	for range 14 {
		specs = append(specs, cspec{next: day})
	}
	made, _ := f.addCounselors(t, specs...)
	emp := f.emps[0]
	fp := answers(4, 3)
	fp.Theme = "career"
	if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
		t.Fatal(err)
	}
	same := func(step string) {
		t.Helper()
		cached, err := f.svc.Recommend(ctx, emp, matching.Query{})
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := (&matching.Service{DB: f.env.DB, Clock: f.svc.Clock}).Recommend(ctx, emp, matching.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(cached.Items) != len(fresh.Items) || len(cached.Items) == 0 {
			t.Fatalf("%s: %d items cached, %d fresh", step, len(cached.Items), len(fresh.Items))
		}
		for i := range fresh.Items {
			if cached.Items[i].Counselor.ID != fresh.Items[i].Counselor.ID || cached.Items[i].Score != fresh.Items[i].Score {
				t.Fatalf("%s: item %d: cached %s %.1f, fresh %s %.1f", step, i,
					cached.Items[i].Counselor.ID, cached.Items[i].Score, fresh.Items[i].Counselor.ID, fresh.Items[i].Score)
			}
		}
	}
	same("first read")
	for range 5 { // shown five more times: fairness moves them down
		if _, err := f.svc.Recommend(ctx, emp, matching.Query{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.FlushExposure(ctx); err != nil {
		t.Fatal(err)
	}
	same("after an exposure flush")
	f.exec(t, `UPDATE counselors SET rating_avg = 5, rating_count = 40 WHERE id = $1`, made[len(made)-1])
	same("after a rating change")
}
