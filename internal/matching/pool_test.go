package matching_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// The in-memory pool (WatchCandidates running) answers exactly what the
// per-request SQL filter answers, for every hard rule: unlisted, the
// theme's credential expired, not verified, no free slot, dismissed, and
// each hard preference with and without relaxing it. After each change
// committed under it, the pooled service comes to the same answer once the
// change's notification has arrived (waited for, never slept).
func TestPooledCandidatesAnswerWhatTheSQLFilterAnswers(t *testing.T) {
	t.Parallel()
	f := newFixture(t, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	pooled := &matching.Service{DB: f.env.DB, Clock: func() time.Time { return f.now }}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); pooled.WatchCandidates(wctx, f.env.SystemURL, nil) }()
	defer func() { stop(); <-done }()
	made, _ := f.addCounselors(t,
		cspec{next: day, gender: "female", languages: []string{"ja", "en"}, formats: []string{"video"}},
		cspec{next: day, gender: "male", languages: []string{"en"}, formats: []string{"phone"}},
		cspec{next: 2 * day, gender: "female", languages: []string{"ja"}, formats: []string{"phone", "video"}, ratingAvg: 5, ratingCount: 10},
		cspec{next: day, status: "suspended"},
		cspec{}, // no free slot
		cspec{next: day, creds: []credSpec{{kind: "career_consultant", expires: "2016-01-01"}}}, // expired
		cspec{next: day, themes: []string{"engagement"}},                                        // not the theme
		cspec{next: 3 * day, noFit: true, gender: "male"},
		cspec{next: day, gender: "female", languages: []string{"en"}, formats: []string{"in_person"}},
		cspec{next: 4 * day, gender: "female", languages: []string{"ja"}, formats: []string{"video"}},
	)
	emp := f.emps[0]
	fresh := &matching.Service{DB: f.env.DB, Clock: func() time.Time { return f.now }}
	wait.Until(ctx, t, "the candidate listener to connect", pooled.PoolLive)
	profiles := []struct {
		name  string
		prefs *matching.Preferences
		relax []string
	}{
		{"no preferences", nil, nil},
		{"female", &matching.Preferences{Gender: "female"}, nil},
		{"female, relaxed", &matching.Preferences{Gender: "female"}, []string{"gender"}},
		{"english", &matching.Preferences{Gender: "any", Languages: []string{"en"}}, nil},
		{"phone", &matching.Preferences{Gender: "any", Formats: []string{"phone"}}, nil},
		{"every hard preference", &matching.Preferences{Gender: "female", Languages: []string{"ja"}, Formats: []string{"video"}}, nil},
		{"every hard preference, two relaxed", &matching.Preferences{Gender: "female", Languages: []string{"ja"}, Formats: []string{"video"}}, []string{"languages", "formats"}},
	}
	answer := func(svc *matching.Service, relax []string) string {
		res, err := svc.Recommend(ctx, emp, matching.Query{Relax: relax})
		if err != nil {
			t.Fatal(err)
		}
		s := fmt.Sprint(len(res.Items))
		for _, it := range res.Items {
			s += fmt.Sprintf(" %s:%.1f", it.Counselor.ID, it.Score)
		}
		if res.Narrowed != nil {
			s += fmt.Sprintf(" narrowed %d %v", res.Narrowed.Available, res.Narrowed.Relax)
		}
		return s
	}
	check := func(step string) {
		t.Helper()
		for _, p := range profiles {
			fp := answers(4, 3)
			fp.Theme, fp.Preferences = "career", p.prefs
			if _, err := f.svc.SaveFitProfile(ctx, emp, fp); err != nil {
				t.Fatal(err)
			}
			want := answer(fresh, p.relax)
			var got string
			// The notification is on its way: wait for it, generously.
			if !wait.Poll(wait.Context(t, time.Minute), func() bool { got = answer(pooled, p.relax); return got == want }) {
				t.Fatalf("%s, %s: pooled %q, the SQL filter %q", step, p.name, got, want)
			}
		}
	}
	check("first read")
	f.exec(t, `UPDATE counselors SET rating_avg = 5, rating_count = 40 WHERE id = $1`, made[1])
	check("after a rating change")
	f.exec(t, `UPDATE counselors SET next_available_at = NULL WHERE id = $1`, made[0])
	check("after the slot was taken")
	f.exec(t, `UPDATE counselors SET status = 'suspended' WHERE id = $1`, made[2])
	check("after a suspension")
	if err := f.svc.Dismiss(ctx, emp, made[9], "style"); err != nil {
		t.Fatal(err)
	}
	check("after a dismissal")
	more, _ := f.addCounselors(t, cspec{next: day, gender: "female", languages: []string{"ja"}, formats: []string{"video"}})
	check("after a new counsellor")
	f.exec(t, `DELETE FROM counselor_match WHERE counselor_id = $1`, more[0])
	check("after a row left the table")
}
