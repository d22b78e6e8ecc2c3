package report

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
)

// world builds a roster and its activity for engine tests.
type world struct {
	roster []Employee
	acts   []Activity
	n      int
}

// people adds n employees of one department and bands.
func (w *world) people(n int, dept, age, tenure string) []uuid.UUID {
	ids := make([]uuid.UUID, n)
	for i := range ids {
		w.n++
		ids[i] = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint("employee", w.n)))
		w.roster = append(w.roster, Employee{ID: ids[i], Department: dept, AgeBand: age, TenureBand: tenure})
	}
	return ids
}

// sessions gives each id n sessions of theme in month m.
func (w *world) sessions(ids []uuid.UUID, m Month, theme string, n int) {
	for _, id := range ids {
		w.acts = append(w.acts, Activity{Employee: id, Month: m, Theme: theme, Sessions: n, Risk: RiskBand("low")})
	}
}

func (w *world) input(m Month, noise Noise) Input {
	return Input{Month: m, MinGroup: Floor, Roster: w.roster, Activity: w.acts, Noise: noise}
}

var jan = MonthOf(2026, 1)

// seeded is reproducible discrete Gaussian noise.
func seeded(seed uint64) Noise {
	return GaussianNoise(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 7}))
}

func group(t *testing.T, gs []Group, key string) Group {
	t.Helper()
	for _, g := range gs {
		if g.Key == key {
			return g
		}
	}
	t.Fatalf("no group %q in %v", key, gs)
	return Group{}
}

func count(t *testing.T, cs []Count, key string) int64 {
	t.Helper()
	for _, c := range cs {
		if c.Key == key {
			return c.Value
		}
	}
	t.Fatalf("no count %q", key)
	return 0
}
