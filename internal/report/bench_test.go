package report

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/report/dp"
)

// benchWorld is a company of employees in departments of about 100, with
// sessions held that month spread over its people.
func benchWorld(employees, sessions int) (world, Month) {
	r := rand.New(rand.NewPCG(1, 2))
	var w world
	for d := 0; d < employees/100; d++ {
		w.people(100, fmt.Sprintf("本部%d/部%d", d/10, d), AgeBands[d%len(AgeBands)], TenureBands[d%len(TenureBands)])
	}
	m := MonthOf(2026, 10)
	per := map[uuid.UUID]*Activity{}
	for range sessions {
		e := w.roster[r.IntN(len(w.roster))].ID
		th := Themes[r.IntN(len(Themes))]
		k := e
		k[15] ^= byte(len(th))
		a, ok := per[k]
		if !ok {
			a = &Activity{Employee: e, Month: m, Theme: th, Risk: int8(r.IntN(5)), Observations: uint8(r.IntN(128))}
			per[k] = a
		}
		a.Sessions++
		a.SatSum, a.SatCount = a.SatSum+1+r.IntN(5), a.SatCount+1
	}
	for _, a := range per {
		w.acts = append(w.acts, *a)
	}
	return w, m
}

// BenchmarkCompute measures the release mechanism in memory: bounding,
// counting and exact discrete Gaussian noise from crypto/rand.
func BenchmarkCompute(b *testing.B) {
	for _, c := range []struct {
		name                string
		employees, sessions int
	}{{"20000-employees-100000-sessions", 20000, 100000}, {"demo-size-320-employees-120-sessions", 320, 120}} {
		w, m := benchWorld(c.employees, c.sessions)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Compute(w.input(m, GaussianNoise(cryptoSource())))
			}
		})
	}
}

func cryptoSource() dp.Source { return dp.CryptoSource() }
