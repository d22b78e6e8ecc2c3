package report

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// releases computes noisy releases of w for months, published at one time.
func (w *world) releases(months []Month, noise Noise) map[Month]Published {
	out := map[Month]Published{}
	for _, m := range months {
		out[m] = Published{Release: Compute(w.input(m, noise)), At: time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC)}
	}
	return out
}

func read(t *testing.T, from, to, by string, rels map[Month]Published) *Body {
	t.Helper()
	q, err := ParseQuery(from, to, by)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Read(ReadInput{Query: q, MinGroup: 10, Seats: 100, Releases: rels})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func find(t *testing.T, b *Body, key string) Cell {
	t.Helper()
	for _, c := range b.Cells {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("no cell %q", key)
	return Cell{}
}

// TestQuartersAreSumsOfMonths: a quarter's sessions and person-months are
// exactly the sum of its months' released values (post-processing).
func TestQuartersAreSumsOfMonths(t *testing.T) {
	t.Parallel()
	var w world
	ids := w.people(60, "営業部", "30s", "0-2y")
	for m := jan; m < jan+3; m++ {
		w.sessions(ids[:30+int(m-jan)*5], m, "career", 1)
	}
	rels := w.releases([]Month{jan, jan + 1, jan + 2}, seeded(3))
	quarter := read(t, "2026-Q1", "2026-Q1", "department,month", rels)
	months := read(t, "2026-01", "2026-03", "department,month", rels)
	var sess, pm int
	for _, m := range []string{"2026-01", "2026-02", "2026-03"} {
		c := find(t, months, "営業部|"+m)
		sess += *c.Sessions
		pm += *c.PersonMonths
	}
	qc := find(t, quarter, "営業部|2026-Q1")
	if *qc.Sessions != sess || *qc.PersonMonths != pm || qc.Months != 3 {
		t.Errorf("quarter %d sessions %d person-months over %d months; months sum to %d and %d", *qc.Sessions, *qc.PersonMonths, qc.Months, sess, pm)
	}
}

// TestDisplayRules: a partition small on the roster shows nothing; a
// noisy number below min_group is null and named; asking again answers
// the same (reading never draws).
func TestDisplayRules(t *testing.T) {
	t.Parallel()
	var w world
	big := w.people(40, "営業部", "30s", "0-2y")
	w.people(4, "法務室", "50s", "11y+") // rolled into the company's own bucket
	w.people(11, "人事部", "", "")
	w.sessions(big[:30], jan, "career", 1)
	rels := w.releases([]Month{jan}, UnsafeNoNoise{})
	b := read(t, "2026-01", "2026-01", "department", rels)
	if c := find(t, b, "営業部"); c.Suppressed || *c.Employees != 30 || *c.Sessions != 30 {
		t.Errorf("営業部 %+v", c)
	}
	if c := find(t, b, "人事部"); c.Suppressed || c.Employees != nil || len(c.Below) == 0 {
		t.Errorf("人事部 (11 on the roster, nobody took part) %+v: want numbers below min_group", c)
	}
	if c := find(t, b, KeyOther); !c.Suppressed || c.Reason != ReasonPopulation {
		t.Errorf("the company's own bucket (4 people) %+v: want hidden for its population", c)
	}
	for _, c := range b.Cells {
		if c.Reason != "" && c.Reason != ReasonPopulation && c.Reason != ReasonNotReleased {
			t.Errorf("reason %q", c.Reason)
		}
	}
	th := read(t, "2026-01", "2026-01", "theme", rels)
	if c := find(t, th, "career"); c.Sessions != nil || *c.Employees != 30 {
		t.Errorf("theme cell %+v: participants only", c)
	}
	if u := b.Utilisation; u == nil || *u != 0.3 {
		t.Errorf("utilisation %v", u)
	}
}

// TestSubtreesAreSumsOfTheirParts covers department roll-up keys.
func TestSubtreesAreSumsOfTheirParts(t *testing.T) {
	t.Parallel()
	var w world
	a := w.people(12, "開発本部/基盤", "30s", "0-2y")
	b := w.people(12, "開発本部/アプリ", "30s", "0-2y")
	w.sessions(a, jan, "career", 1)
	w.sessions(b[:11], jan, "career", 1)
	rels := w.releases([]Month{jan}, seeded(4))
	body := read(t, "2026-01", "2026-01", "department", rels)
	x, y, sub := find(t, body, "開発本部/基盤"), find(t, body, "開発本部/アプリ"), find(t, body, "開発本部/*")
	if *sub.PersonMonths != *x.PersonMonths+*y.PersonMonths {
		t.Errorf("subtree %d ≠ %d + %d", *sub.PersonMonths, *x.PersonMonths, *y.PersonMonths)
	}
}

// TestRangeWithoutAnyReleaseIsRefusedNamingFrom, and a partly released
// range lists the months still to come.
func TestRangeWithoutAnyReleaseIsRefusedNamingFrom(t *testing.T) {
	t.Parallel()
	q, err := ParseQuery("2026-01", "2026-03", "department")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Read(ReadInput{Query: q, MinGroup: 10})
	if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeUnprocessable || e.Reason != ReasonNotReleasedRange || e.Fields["from"] == "" {
		t.Fatalf("got %v", err)
	}
	var w world
	w.people(20, "営業部", "30s", "0-2y")
	b := read(t, "2026-01", "2026-03", "month", w.releases([]Month{jan}, seeded(5)))
	if !b.Months[0].Released || b.Months[1].Released || b.Months[1].PublishesOn != "2026-03-08" {
		t.Errorf("months %+v", b.Months)
	}
	if c := find(t, b, "2026-02"); !c.Suppressed || c.Reason != ReasonNotReleased || c.Employees != nil {
		t.Errorf("an unreleased month %+v", c)
	}
}

func TestLastClosedAndPublishesOn(t *testing.T) {
	t.Parallel()
	jst := time.FixedZone("JST", 9*3600)
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 12, 7, 23, 59, 0, 0, jst), "2026-10"},
		{time.Date(2026, 12, 8, 0, 0, 0, 0, jst), "2026-11"},
		{time.Date(2026, 1, 8, 0, 0, 0, 0, jst), "2025-12"},
		{time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC), "2026-11"}, // already the 8th in Japan
	} {
		if got := LastClosed(c.at).String(); got != c.want {
			t.Errorf("%v: %s, want %s", c.at, got, c.want)
		}
	}
	if d := PublishesOn(MonthOf(2026, 12)).Format(time.DateOnly); d != "2027-01-08" {
		t.Errorf("December publishes on %s", d)
	}
}

// TestMeansAreShownOnlyWhenPrecise: a mean over a dozen raters would be
// mostly noise and is left out; over hundreds it is shown.
func TestMeansAreShownOnlyWhenPrecise(t *testing.T) {
	t.Parallel()
	var w world
	small := w.people(20, "人事部", "30s", "0-2y")
	big := w.people(400, "営業部", "30s", "0-2y")
	w.sessions(small[:12], jan, "career", 1)
	w.sessions(big, jan, "career", 1)
	for i := range w.acts {
		w.acts[i].SatSum, w.acts[i].SatCount, w.acts[i].WHO5Sum, w.acts[i].WHO5Count = 4, 1, 60, 1
	}
	b := read(t, "2026-01", "2026-01", "department", w.releases([]Month{jan}, seeded(6)))
	if c := find(t, b, "人事部"); c.SatisfactionAvg != nil || len(c.Imprecise) != 2 {
		t.Errorf("12 raters: %+v", c)
	}
	if c := find(t, b, KeyAll); c.SatisfactionAvg == nil || *c.SatisfactionAvg < 3.5 || *c.SatisfactionAvg > 4.5 || c.WellbeingAvg == nil {
		t.Errorf("412 raters: %+v", c)
	}
}
