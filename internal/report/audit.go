package report

import (
	"cmp"
	"slices"
	"strings"
)

// The audit attacks a table the way an outsider would before it is
// released: it knows every published number, every population (HR knows
// who is in each department and band) and how cells add up, and narrows
// an integer interval for every hidden number until nothing moves. A
// hidden cell proven to hold 1 to k-1 people, a hidden group proven to
// have taken part in full, or a distribution proven to hold one band only
// is exposed; the audit then hides one more number next to it, and the
// suppressor runs again. Local group rules (safe) catch most cases; the
// audit catches what rows and columns give away together.

const unbounded = 1 << 40

type span struct{ lo, hi int }

// audit narrows the intervals and returns the exposed hidden nodes.
func (s *suppressor) audit() []int {
	t := s.t
	emp := make([]span, len(t.nodes))
	sess := make([]span, len(t.cells))
	for n, nd := range t.nodes {
		switch {
		case !nd.hidden:
			emp[n] = span{nd.emp, nd.emp}
		case n%nCats == 0:
			emp[n] = span{0, nd.cap}
		default:
			emp[n] = span{0, unbounded}
		}
	}
	for i := range t.cells {
		if nd := t.nodes[nodeOf(i, -1)]; !nd.hidden {
			sess[i] = span{nd.sess, nd.sess}
		} else {
			sess[i] = span{0, unbounded}
		}
	}
	for n, f := range s.known {
		emp[n] = span{f.Employees, f.Employees}
		if n%nCats == 0 {
			sess[n/nCats] = span{f.Sessions, f.Sessions}
		}
	}
	rels := s.pastRelations(&emp, &sess)
	// Sessions add up wherever cells make up a cell (over any dimension).
	if s.sessGroups == nil {
		s.sessGroups = []group{}
		for _, g := range s.groups {
			if g.total%nCats != 0 || g.parts[0]%nCats != 0 {
				continue
			}
			parts := make([]int, len(g.parts))
			for i, p := range g.parts {
				parts[i] = p / nCats
			}
			s.sessGroups = append(s.sessGroups, group{total: g.total / nCats, parts: parts, additive: true})
		}
	}
	sessGroups := s.sessGroups
	for pass := 0; pass < 50; pass++ {
		changed := false
		set := func(v []span, i, lo, hi int) {
			if lo > v[i].lo {
				v[i].lo, changed = lo, true
			}
			if hi < v[i].hi {
				v[i].hi, changed = hi, true
			}
		}
		for i := range t.cells {
			c := nodeOf(i, -1)
			set(emp, c, 0, sess[i].hi)
			set(sess, i, emp[c].lo, unbounded)
			if sess[i].lo >= 1 {
				set(emp, c, 1, unbounded)
			}
			for j := 1; j < nCats; j++ {
				set(emp, c+j, 0, emp[c].hi)
			}
		}
		for _, g := range s.groups {
			narrowGroup(emp, g.total, g.parts, g.additive, set)
		}
		for _, g := range sessGroups {
			narrowGroup(sess, g.total, g.parts, true, set)
		}
		for _, c := range s.pastCells {
			set(emp, c[0], 0, sess[c[1]].hi)
			set(sess, c[1], emp[c[0]].lo, unbounded)
			if sess[c[1]].lo >= 1 {
				set(emp, c[0], 1, unbounded)
			}
		}
		for _, r := range rels {
			narrowGroup(emp, r.total, r.parts, r.exact, set)
			if r.sessTotal >= 0 {
				narrowGroup(sess, r.sessTotal, r.sessParts, true, set)
			}
		}
		if !changed {
			break
		}
	}
	for i := len(t.nodes); i < len(emp); i++ {
		if e := emp[i]; e.lo >= 1 && e.hi <= s.k-1 {
			s.pastExposed = true // an earlier report's number: refuse
		}
	}
	var exposed []int
	for n, nd := range t.nodes {
		if _, ok := s.known[n]; !nd.hidden || ok {
			continue
		}
		e := emp[n]
		cell := nodeOf(n/nCats, -1)
		switch {
		case e.lo >= 1 && e.hi <= s.k-1:
			exposed = append(exposed, n)
		case n == cell && nd.cap >= 1 && e.lo >= nd.cap:
			exposed = append(exposed, n)
		case n != cell && n-cell <= len(RiskBands) && e.lo >= 1 && e.lo >= emp[cell].hi:
			exposed = append(exposed, n)
		}
	}
	return exposed
}

// narrowGroup applies total = Σ parts (exact) or max(parts) ≤ total ≤
// Σ parts (distinct people over months or themes) to the intervals.
func narrowGroup(v []span, total int, parts []int, exact bool, set func([]span, int, int, int)) {
	sumLo, finHi, infs, maxLo := 0, 0, 0, 0
	for _, p := range parts {
		sumLo += v[p].lo
		maxLo = max(maxLo, v[p].lo)
		if v[p].hi >= unbounded {
			infs++
		} else {
			finHi += v[p].hi
		}
	}
	sumHi := finHi
	if infs > 0 {
		sumHi = unbounded
	}
	if exact {
		set(v, total, sumLo, sumHi)
	} else {
		set(v, total, maxLo, sumHi)
	}
	t := v[total]
	for _, p := range parts {
		othersHi := unbounded
		if v[p].hi >= unbounded && infs == 1 {
			othersHi = finHi
		} else if v[p].hi < unbounded && infs == 0 {
			othersHi = finHi - v[p].hi
		}
		lo, hi := 0, t.hi
		if othersHi < unbounded && t.lo > othersHi {
			lo = t.lo - othersHi
		}
		if exact && t.hi < unbounded {
			hi = t.hi - (sumLo - v[p].lo)
		}
		set(v, p, lo, hi)
	}
}

// repair hides, for each exposed node, the smallest published non-empty
// part of a group it belongs to. Where its groups have no such part, the
// attacker reached it through their totals, so the totals are repaired in
// turn (a published total is hidden itself). It reports whether it hid
// anything.
func (s *suppressor) repair(exposed []int) bool {
	changed := false
	for _, n := range exposed {
		if s.repairNode(n, map[int]bool{}) {
			changed = true
		}
	}
	return changed
}

func (s *suppressor) repairNode(n int, visited map[int]bool) bool {
	if visited[n] || len(visited) > 64 {
		return false
	}
	visited[n] = true
	best := -1
	for _, gi := range s.partOf[n] {
		for _, p := range s.groups[gi].parts {
			nd := s.t.nodes[p]
			if !nd.hidden && nd.emp > 0 && (best < 0 || nd.emp < s.t.nodes[best].emp) {
				best = p
			}
		}
	}
	if best >= 0 {
		s.hide(best, ReasonComplementary)
		return true
	}
	for _, gi := range s.partOf[n] {
		total := s.groups[gi].total
		if !s.t.nodes[total].hidden {
			s.hide(total, ReasonComplementary)
			return true
		}
		if s.repairNode(total, visited) {
			return true
		}
	}
	return false
}

// pastRelation is an earlier report's relation over this audit's
// variables.
type pastRelation struct {
	total     int
	parts     []int
	exact     bool
	sessTotal int // -1 for categories
	sessParts []int
}

// pastVars is what pastRelations computed for one Released: the
// relations and the initial intervals of the variables it added.
type pastVars struct {
	past      *Released
	nRels     int
	rels      []pastRelation
	emp, sess []span
	cells     [][2]int
}

// pastRelations turns the relations of earlier reports into relations
// over this table's variables, appending variables (exact where shown) to
// emp and sess for the quantities this table does not have. The mapping
// depends on the table's quantities and the earlier facts only, so it is
// worked out once and reused by every later audit of the table.
func (s *suppressor) pastRelations(emp, sess *[]span) []pastRelation {
	if s.past == nil || len(s.past.Relations) == 0 {
		s.pastCells = s.pastCells[:0]
		return nil
	}
	if pv := s.pastVars; pv != nil && pv.past == s.past && pv.nRels == len(s.past.Relations) &&
		len(*emp) == len(s.t.nodes) && len(*sess) == len(s.t.cells) {
		*emp = append(*emp, pv.emp...)
		*sess = append(*sess, pv.sess...)
		s.pastCells = pv.cells
		return pv.rels
	}
	e0, s0 := len(*emp), len(*sess)
	s.pastCells = nil
	rels := s.computePastRelations(emp, sess)
	s.pastVars = &pastVars{past: s.past, nRels: len(s.past.Relations), rels: rels,
		emp: slices.Clone((*emp)[e0:]), sess: slices.Clone((*sess)[s0:]), cells: s.pastCells}
	return rels
}

func (s *suppressor) computePastRelations(emp, sess *[]span) []pastRelation {
	type vars struct{ e, s int }
	at := make(map[string]vars, len(s.t.nodes)+len(s.past.Facts))
	for n, q := range s.t.quantities() {
		v := vars{n, -1}
		if n%nCats == 0 {
			v.s = n / nCats
		}
		at[q] = v
	}
	lookup := func(q string) vars {
		if v, ok := at[q]; ok {
			return v
		}
		v := vars{len(*emp), -1}
		e, ss := span{0, unbounded}, span{0, unbounded}
		if i, ok := s.past.facts[q]; ok {
			f := s.past.Facts[i]
			if f.Hidden {
				e.hi = cmp.Or(f.Population, unbounded)
			} else {
				e, ss = span{f.Employees, f.Employees}, span{f.Sessions, f.Sessions}
			}
		}
		*emp = append(*emp, e)
		if !strings.Contains(q, " cat=") {
			v.s = len(*sess)
			*sess = append(*sess, ss)
			s.pastCells = append(s.pastCells, [2]int{v.e, v.s})
		}
		at[q] = v
		return v
	}
	var out []pastRelation
	for _, r := range s.past.Relations {
		t := lookup(r.Total)
		pr := pastRelation{total: t.e, exact: r.Exact, sessTotal: t.s}
		for _, p := range r.Parts {
			v := lookup(p)
			pr.parts = append(pr.parts, v.e)
			pr.sessParts = append(pr.sessParts, v.s)
			if v.s < 0 {
				pr.sessTotal = -1
			}
		}
		out = append(out, pr)
	}
	return out
}
