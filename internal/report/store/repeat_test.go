package store

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// The same request asked again over the same data never shows more than
// it showed: every number shown again is the number shown first (the
// guard may hide a few more cells the second time, never fewer numbers
// than are safe and never a different one), so what the dashboard showed
// is what its CSV then downloads, or less.
func TestRepeatedRequestNeverShowsMoreOrOther(t *testing.T) {
	w := newWorld(t)
	r := rand.New(rand.NewPCG(7, 7))
	for d, size := range map[string]int{"営業部": 40, "営業部/東京支店": 25, "営業部/大阪支店": 6, "開発部": 35, "総務部": 14} {
		for _, id := range w.hire(d, size, []string{"20s", "30s", "40s"}[r.IntN(3)], "3-5y") {
			for m := time.February; m <= time.April; m++ {
				if r.IntN(3) > 0 {
					w.held(id, session{at: in(2026, m, 1+r.IntN(12)), risk: []string{"none", "low", "moderate"}[r.IntN(3)], sat: 1 + r.IntN(5)})
				}
			}
		}
	}
	for _, by := range []string{"department", "department,month", "age_band,month"} {
		first, err := w.svc.Report(context.Background(), w.admins[0], w.company, w.request("2026-02", "2026-04", by))
		if err != nil {
			t.Fatalf("%s: %v", by, err)
		}
		for i := range 2 {
			again, err := w.svc.Report(context.Background(), w.admins[i], w.company, w.request("2026-02", "2026-04", by))
			if err != nil {
				t.Fatalf("%s again: %v", by, err)
			}
			if len(again.Cells) != len(first.Cells) {
				t.Fatalf("%s: %d cells, then %d", by, len(first.Cells), len(again.Cells))
			}
			for j, c := range again.Cells {
				f := first.Cells[j]
				if !c.Suppressed && (f.Suppressed || c.Employees != f.Employees || c.Sessions != f.Sessions) {
					t.Errorf("%s: cell %v showed %+v, asked again %+v", by, f.Keys, f, c)
				}
				for k, cat := range c.Risk {
					if !cat.Suppressed && (f.Risk[k].Suppressed || cat.Employees != f.Risk[k].Employees) {
						t.Errorf("%s: cell %v risk %s showed %+v, asked again %+v", by, f.Keys, cat.Code, f.Risk[k], cat)
					}
				}
			}
		}
	}
}

// Two processes serve one company: a process's decoded guard is used again
// only while the row holds what it decoded, so neither misses what the
// other released.
func TestKeptGuardIsReloadedAfterAnotherProcessWrote(t *testing.T) {
	w := org(t)
	a := w.svc
	b := &Service{DB: a.DB, Keys: a.Keys, Now: a.Now}
	ctx := context.Background()
	for i, step := range []struct {
		svc  *Service
		from string
		to   string
	}{{a, "2026-01", "2026-01"}, {b, "2026-01", "2026-02"}, {a, "2026-01", "2026-04"}} {
		if _, err := step.svc.Report(ctx, w.admins[0], w.company, w.request(step.from, step.to, "department")); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	var state []byte
	var releases int
	w.exec(func(tx *sqlx.Tx) error {
		return tx.QueryRow(`SELECT state, releases FROM report_guard WHERE company_id = $1`, w.company).Scan(&state, &releases)
	})
	stored, err := decodeGuard(state)
	if err != nil {
		t.Fatal(err)
	}
	kept := a.guards[w.company]
	if kept == nil || kept.version != releases || len(kept.r.Facts) != len(stored.Facts) || len(kept.r.Cells) != len(stored.Cells) {
		t.Fatalf("kept guard = %+v, want version %d with the stored %d facts and %d cells", kept, releases, len(stored.Facts), len(stored.Cells))
	}
	if releases != 3 {
		t.Errorf("releases = %d, want 3 (three different reports)", releases)
	}
}
