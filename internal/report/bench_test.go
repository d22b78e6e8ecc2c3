package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchOrg is 20,000 employees in 200 departments (20 divisions of 10
// sections) over 24 months, a fifth of them in sessions each month.
func benchOrg() world {
	r := rand.New(rand.NewPCG(1, 2))
	var w world
	for i := range 20000 {
		dept := fmt.Sprintf("D%02d/S%d", i%20, (i/20)%10)
		id := w.people(1, dept, AgeBands[r.IntN(5)], TenureBands[r.IntN(4)])[0]
		for m := MonthOf(2025, 1); m < MonthOf(2027, 1); m++ {
			if r.IntN(5) == 0 {
				w.acts = append(w.acts, Activity{Employee: id, Month: m, Theme: Themes[r.IntN(len(Themes))],
					Sessions: 1 + r.IntN(2), SatSum: 4, SatCount: 1, Risk: int8(r.IntN(5)), Observations: uint8(r.IntN(128))})
			}
		}
	}
	return w
}

// BenchmarkSuppress measures the engine alone (no database): a report by
// department × month over 24 months, and by department alone.
func BenchmarkSuppress(b *testing.B) {
	w := benchOrg()
	for _, by := range []string{"department,month", "department", "age_band,tenure_band"} {
		q, err := ParseQuery("2025-01", "2026-12", by)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(by, func(b *testing.B) {
			for b.Loop() {
				Build(Policy{}, q, w.roster, w.acts)
			}
		})
	}
}

// BenchmarkGuard measures Protect and Add of a department report against
// a company that has already been shown a year of monthly reports.
func BenchmarkGuard(b *testing.B) {
	w := benchOrg()
	released := &Released{Key: []byte("bench")}
	for m := MonthOf(2025, 1); m < MonthOf(2026, 1); m++ {
		q, _ := ParseQuery(m.String(), m.String(), "department")
		tbl := Build(Policy{}, q, w.roster, w.acts)
		if released.Protect(tbl) == nil {
			released.Add(tbl)
		}
	}
	q, _ := ParseQuery("2025-01", "2026-12", "department")
	for b.Loop() {
		tbl := Build(Policy{}, q, w.roster, w.acts)
		_ = released.Protect(tbl)
	}
}
