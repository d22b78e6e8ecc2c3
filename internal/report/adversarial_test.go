package report

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// The adversarial test: random small organisations, every allowed report
// released (each dimension, each pair, every month range of a quarter),
// then an attacker who knows every released number and the organisation
// (who is in which department and band) searches for anyone whose
// participation, small-group membership or risk band follows. With DEID-1
// it must find nothing; with the protections off it must find leaks.

const advSeeds = 24

func TestAdversarialNoLeakWithDEID1(t *testing.T) {
	for seed := range advSeeds {
		tables := releaseAll(t, uint64(seed), Policy{})
		if leaks := attack(tables); len(leaks) > 0 {
			t.Errorf("seed %d: %d leaks, first: %s", seed, len(leaks), leaks[0])
		}
	}
}

// TestAdversarialFindsLeaksWithoutProtection proves the attacker can fail
// the test: with only the small-cell rule, the same search finds leaks of
// every kind it looks for.
func TestAdversarialFindsLeaksWithoutProtection(t *testing.T) {
	kinds := map[string]int{}
	seedsWithLeaks := 0
	for seed := range advSeeds {
		tables := releaseAll(t, uint64(seed), Policy{unprotected: true})
		leaks := attack(tables)
		if len(leaks) > 0 {
			seedsWithLeaks++
		}
		for _, l := range leaks {
			kinds[strings.SplitN(l, ":", 2)[0]]++
		}
	}
	t.Logf("unprotected: leaks in %d of %d organisations; by kind %v", seedsWithLeaks, advSeeds, kinds)
	if seedsWithLeaks < advSeeds/2 {
		t.Errorf("leaks in only %d of %d organisations without protection", seedsWithLeaks, advSeeds)
	}
	for _, kind := range []string{"small", "everyone", "differencing"} {
		if kinds[kind] == 0 {
			t.Errorf("no %q leak found without protection: the attacker is too weak", kind)
		}
	}
}

// randomOrg makes 15–60 people in a 2–3 level tree with bands, a few
// opted out, and three months of sessions with themes and risk bands.
func randomOrg(seed uint64) world {
	r := rand.New(rand.NewPCG(seed, 7))
	var w world
	n := 15 + r.IntN(46)
	var depts []string
	for i := range 1 + r.IntN(3) {
		top := fmt.Sprintf("D%d", i)
		depts = append(depts, top)
		for j := range r.IntN(3) {
			sub := fmt.Sprintf("%s/S%d", top, j)
			depts = append(depts, sub)
			if r.IntN(3) == 0 {
				depts = append(depts, sub+"/T")
			}
		}
	}
	themes := Themes[:3]
	pTake := 0.3 + r.Float64()*0.6
	for range n {
		id := w.people(1, depts[r.IntN(len(depts))], AgeBands[r.IntN(3)], TenureBands[r.IntN(3)])[0]
		w.roster[len(w.roster)-1].OptedOut = r.IntN(20) == 0
		for m := jan; m <= mar; m++ {
			if r.Float64() < pTake {
				w.acts = append(w.acts, Activity{Employee: id, Month: m, Theme: themes[r.IntN(len(themes))],
					Sessions: 1 + r.IntN(2), SatSum: 4, SatCount: 1, Risk: int8(r.IntN(3) + r.IntN(2)*2),
					Observations: uint8(r.IntN(4))})
			}
		}
	}
	return w
}

// releaseAll runs every allowed report through the engine and the guard,
// returning what was released.
func releaseAll(t *testing.T, seed uint64, pol Policy) []*Table {
	w := randomOrg(seed)
	all := []string{"department", "age_band", "tenure_band", "theme", "month"}
	var bys []string
	for i, a := range all {
		bys = append(bys, a)
		for _, b := range all[i+1:] {
			bys = append(bys, a+","+b)
		}
	}
	released := &Released{Key: []byte(fmt.Sprint("key", seed))}
	var out []*Table
	for from := jan; from <= mar; from++ {
		for to := from; to <= mar; to++ {
			for _, by := range bys {
				tbl := Build(pol, query(t, from.String(), to.String(), by), w.roster, w.acts)
				if err := released.Protect(tbl); err != nil {
					continue // refused: nothing shown
				}
				released.Add(tbl)
				out = append(out, tbl)
			}
		}
	}
	return out
}

// The attacker's unknowns: for each distinct quantity (a cell's people and
// sessions, a category's people), an integer interval.
type interval struct{ lo, hi int }

type attacker struct {
	vars  map[string]int
	iv    []interval
	pop   []int
	k     int
	eqs   []equation
	label []string
	cells map[int]cellVars // by the cell's E variable
}

// cellVars are one cell's unknowns: people, sessions, categories.
type cellVars struct {
	e, s int
	cats [nCats - 1]int
}

// equation: total = Σ parts (exact), or, when !exact, max(parts) ≤ total ≤
// Σ parts (distinct people over months or themes).
type equation struct {
	total int
	parts []int
	exact bool
}

const inf = 1 << 30

func (a *attacker) v(name string, pop int) int {
	if i, ok := a.vars[name]; ok {
		return i
	}
	a.vars[name] = len(a.iv)
	a.iv = append(a.iv, interval{0, inf})
	a.pop = append(a.pop, pop)
	a.label = append(a.label, name)
	return len(a.iv) - 1
}

func (a *attacker) fix(i, val int) { a.iv[i] = interval{val, val} }

// cellName names a quantity independently of the report it came from: the
// month range (narrowed by a month key) and one key per dimension.
func cellName(tbl *Table, cell int) string {
	keys := map[Dim]string{DimDepartment: KeyAll, DimAgeBand: KeyAll, DimTenureBand: KeyAll, DimTheme: KeyAll}
	from, to := tbl.Query.From.String(), tbl.Query.To.String()
	cd := tbl.cells[cell]
	for i, d := range tbl.Query.By {
		key := tbl.dims[i].keys[[2]int{cd.a, cd.b}[i]]
		if d == DimMonth {
			if key != KeyAll {
				from, to = key, key
			}
			continue
		}
		keys[d] = key
	}
	return fmt.Sprintf("%s..%s dept=%s age=%s tenure=%s theme=%s", from, to,
		keys[DimDepartment], keys[DimAgeBand], keys[DimTenureBand], keys[DimTheme])
}

// attack gathers every released number and every relation the attacker
// knows, narrows the intervals to a fixed point and lists the leaks.
func attack(tables []*Table) []string {
	a := &attacker{vars: map[string]int{}, k: tables[0].MinGroup, cells: map[int]cellVars{}}
	nr := len(RiskBands)
	cats := func(name string, c int) string { return fmt.Sprintf("%s cat=%d", name, c) }
	for _, tbl := range tables {
		names := make([]string, len(tbl.cells))
		for i, cd := range tbl.cells {
			names[i] = cellName(tbl, i)
			e := a.v(names[i]+" E", cd.pop)
			s := a.v(names[i]+" S", 0)
			pub := tbl.Cells[i]
			if !pub.Suppressed {
				a.fix(e, pub.Employees)
				a.fix(s, pub.Sessions)
			}
			risk := equation{total: e, exact: true}
			cv := cellVars{e: e, s: s}
			for j := range nCats - 1 {
				c := a.v(cats(names[i], j), 0)
				cv.cats[j] = c
				if j < nr {
					risk.parts = append(risk.parts, c)
				}
				var cat Category
				if j < nr && pub.Risk != nil {
					cat = pub.Risk[j]
				} else if j >= nr && pub.Observations != nil {
					cat = pub.Observations[j-nr]
				} else {
					continue
				}
				if !cat.Suppressed {
					a.fix(c, cat.Employees)
				}
			}
			a.eqs = append(a.eqs, risk)
			a.cells[e] = cv
		}
		for d := range 2 {
			for agg, parts := range tbl.dims[d].parts {
				for o := range tbl.dims[1-d].keys {
					at := func(x int) int {
						if d == 0 {
							return x*tbl.nB + o
						}
						return o*tbl.nB + x
					}
					exact := tbl.dims[d].dim.partition()
					se := equation{total: a.vars[names[at(agg)]+" S"], exact: true}
					ee := equation{total: a.vars[names[at(agg)]+" E"], exact: exact}
					for _, p := range parts {
						se.parts = append(se.parts, a.vars[names[at(p)]+" S"])
						ee.parts = append(ee.parts, a.vars[names[at(p)]+" E"])
					}
					a.eqs = append(a.eqs, se, ee)
					if exact {
						for j := range nCats - 1 {
							ce := equation{total: a.vars[cats(names[at(agg)], j)], exact: true}
							for _, p := range parts {
								ce.parts = append(ce.parts, a.vars[cats(names[at(p)], j)])
							}
							a.eqs = append(a.eqs, ce)
						}
					}
				}
			}
		}
	}
	a.narrow()
	return append(a.leaks(), differencing(tables)...)
}

// narrow applies every relation until no interval shrinks: equations,
// population caps, people ≤ sessions, sessions > 0 ⇒ people > 0, and a
// category holds at most its cell's people. Sums saturate at inf.
func (a *attacker) narrow() {
	var cells []cellVars
	for _, cv := range a.cells {
		cells = append(cells, cv)
		a.iv[cv.e].hi = min(a.iv[cv.e].hi, a.pop[cv.e])
	}
	for pass := 0; pass < 100; pass++ {
		changed := false
		set := func(i int, lo, hi int) {
			if lo > a.iv[i].lo {
				a.iv[i].lo, changed = lo, true
			}
			if hi < a.iv[i].hi {
				a.iv[i].hi, changed = hi, true
			}
		}
		for _, cv := range cells {
			set(cv.e, 0, a.iv[cv.s].hi)
			set(cv.s, a.iv[cv.e].lo, inf)
			if a.iv[cv.s].lo >= 1 {
				set(cv.e, 1, inf)
			}
			for _, c := range cv.cats {
				set(c, 0, a.iv[cv.e].hi)
			}
		}
		for _, q := range a.eqs {
			sumLo, finHi, infs, maxLo := 0, 0, 0, 0
			for _, p := range q.parts {
				sumLo += a.iv[p].lo
				maxLo = max(maxLo, a.iv[p].lo)
				if a.iv[p].hi >= inf {
					infs++
				} else {
					finHi += a.iv[p].hi
				}
			}
			sumHi := finHi
			if infs > 0 {
				sumHi = inf
			}
			othersHi := func(p int) int {
				if a.iv[p].hi >= inf {
					if infs > 1 {
						return inf
					}
					return finHi
				}
				if infs > 0 {
					return inf
				}
				return finHi - a.iv[p].hi
			}
			t := a.iv[q.total]
			if q.exact {
				set(q.total, sumLo, sumHi)
			} else {
				set(q.total, maxLo, sumHi)
			}
			for _, p := range q.parts {
				lo, hi := 0, t.hi
				if oh := othersHi(p); oh < inf && t.lo > oh {
					lo = t.lo - oh
				}
				if q.exact && t.hi < inf {
					hi = t.hi - (sumLo - a.iv[p].lo)
				}
				set(p, lo, hi)
			}
		}
		if !changed {
			return
		}
	}
}

// leaks lists what the narrowed intervals give away.
func (a *attacker) leaks() []string {
	var out []string
	nr := len(RiskBands)
	for name, i := range a.vars {
		iv := a.iv[i]
		switch {
		case strings.HasSuffix(name, " E"):
			if iv.lo >= 1 && iv.hi <= a.k-1 {
				out = append(out, fmt.Sprintf("small: %s holds %d..%d people", name, iv.lo, iv.hi))
			}
			if a.pop[i] >= 1 && iv.lo >= a.pop[i] {
				out = append(out, fmt.Sprintf("everyone: all %d people of %s took part", a.pop[i], name))
			}
		case strings.Contains(name, " cat="):
			var j int
			base := name[:strings.Index(name, " cat=")]
			fmt.Sscanf(name[len(base)+5:], "%d", &j)
			e := a.iv[a.vars[base+" E"]]
			if iv.lo >= 1 && iv.hi <= a.k-1 {
				out = append(out, fmt.Sprintf("small: %s holds %d..%d people", name, iv.lo, iv.hi))
			}
			if j < nr && e.lo >= 1 && iv.lo >= e.hi {
				out = append(out, fmt.Sprintf("everyone: every participant of %s has risk band %s", base, RiskBands[j]))
			}
		}
	}
	return out
}

// differencing looks for two released cells or categories (of any two
// reports) whose members differ by 1 to k-1 people. This attacker is
// stronger than a real one: it compares the true member sets, where a real
// one would have to guess that one set contains the other.
func differencing(tables []*Table) []string {
	type rel struct {
		set   memberSet
		label string
	}
	var all []rel
	seen := map[uint64]bool{}
	for _, tbl := range tables {
		ids := tbl.ids
		hash := func(i int32) uint64 { return uint64(ids[i][15]) | uint64(ids[i][14])<<8 }
		for n := range tbl.nodes {
			if tbl.nodes[n].hidden {
				continue
			}
			s := tbl.memberSet(n, hash)
			if len(s) == 0 || seen[digest(s)] {
				continue
			}
			seen[digest(s)] = true
			all = append(all, rel{s, tbl.label(n)})
		}
	}
	sets := make([]memberSet, len(all))
	for i := range all {
		sets[i] = all[i].set
	}
	var out []string
	for _, pr := range closePairs(sets, sets, tables[0].MinGroup, true) {
		out = append(out, fmt.Sprintf("differencing: %s and %s differ by fewer than k people", all[pr[0]].label, all[pr[1]].label))
	}
	return out
}
