package report

import "math/bits"

// Suppression works on nodes: every cell, and every category of every
// cell's distributions (RiskBands, then Observations). Nodes are linked by
// groups: a total and the parts that make it up. Employees add up over a
// partition (departments, bands, a cell's risk bands); months and themes
// add up in sessions only, and the distributions not at all.

const nCats = 1 + 5 + 7 // the cell itself, RiskBands, Observations

func nodeOf(cell, cat int) int { return cell*nCats + cat + 1 }

type node struct {
	emp    int // distinct employees
	sess   int // sessions (cells only)
	cap    int // the most employees the attacker can think the node holds
	hidden bool
	reason Reason
}

type group struct {
	total    int
	parts    []int
	additive bool // employee counts add up (a partition)
}

// suppress applies the primary rules, then complementary suppression to a
// fixed point, then removes differencing between the table's own cells.
func (t *Table) suppress(dims [2]dimension) {
	t.initNodes()
	groups := t.groups(dims)
	partOf := make([][]int32, len(t.nodes))
	for gi, g := range groups {
		for _, p := range g.parts {
			partOf[p] = append(partOf[p], int32(gi))
		}
	}
	s := &suppressor{t: t, groups: groups, partOf: partOf, k: t.MinGroup}
	t.sup = s
	s.primary()
	if t.pol.unprotected {
		return
	}
	s.queue = make([]int32, len(groups))
	s.queued = make([]bool, len(groups))
	for i := range groups {
		s.queue[i] = int32(i)
		s.queued[i] = true
	}
	s.settle()
}

// settle runs complementary suppression, in-table differencing and the
// audit until none of them hides anything more.
func (s *suppressor) settle() {
	for {
		s.fixpoint()
		if s.differencing() {
			continue
		}
		if ex := s.audit(); len(ex) > 0 && s.repair(ex) {
			continue
		}
		return
	}
}

func (t *Table) initNodes() {
	t.nodes = make([]node, len(t.cells)*nCats)
	nr := len(RiskBands)
	for i, c := range t.cells {
		n := len(c.members)
		t.nodes[nodeOf(i, -1)] = node{emp: n, sess: c.sessions, cap: c.pop}
		var counts [nCats - 1]int
		for _, m := range c.members {
			counts[m.risk]++
			for obs := m.obs; obs != 0; obs &= obs - 1 {
				counts[nr+bits.TrailingZeros8(obs)]++
			}
		}
		for j, n := range counts {
			t.nodes[nodeOf(i, j)].emp = n
		}
		for j := range nCats - 1 {
			t.nodes[nodeOf(i, j)].cap = n
		}
	}
}

// groups links totals to parts along both dimensions, for the cell and
// each category, and each cell to its risk bands.
func (t *Table) groups(dims [2]dimension) []group {
	var gs []group
	for d := range 2 {
		for agg, parts := range dims[d].parts {
			for o := range dims[1-d].keys {
				cellAt := func(x int) int {
					if d == 0 {
						return x*t.nB + o
					}
					return o*t.nB + x
				}
				additive := dims[d].dim.partition()
				for cat := -1; cat < nCats-1; cat++ {
					if cat >= 0 && !additive {
						continue // no equation holds: nothing to protect
					}
					g := group{total: nodeOf(cellAt(agg), cat), additive: additive}
					for _, p := range parts {
						g.parts = append(g.parts, nodeOf(cellAt(p), cat))
					}
					gs = append(gs, g)
				}
			}
		}
	}
	for i := range t.cells {
		g := group{total: nodeOf(i, -1), additive: true}
		for j := range RiskBands {
			g.parts = append(g.parts, nodeOf(i, j))
		}
		gs = append(gs, g)
	}
	return gs
}

type suppressor struct {
	t      *Table
	groups []group
	partOf [][]int32
	k      int
	queue  []int32
	queued []bool
	known  map[int]Fact // nodes an earlier report showed: exact for the audit
	past   *Released    // earlier reports' relations, for the audit

	pastExposed bool      // the audit proved an earlier report's hidden number small
	pastCells   [][2]int  // (people, sessions) variables of earlier reports' cells
	pairs       [][2]int  // nodes whose members differ by 1..k-1, found once
	sessGroups  []group   // groups of cells over their session variables, built once
	pastVars    *pastVars // earlier reports' relations over this table's variables, built once
}

// primary hides small nodes and homogeneous ones: a cell whose
// participants are its whole population, a distribution where one
// category holds every member of its cell. A cell with nobody on the
// roster (a band no one is in) is shown as an empty cell: HR knows it is
// empty, so it hides nothing and protects nothing. A cell with people on
// the roster but fewer than k participants, zero included, is hidden:
// "nobody here took part" is a statement about each of them.
func (s *suppressor) primary() {
	nr := len(RiskBands)
	for i := range s.t.cells {
		c := &s.t.nodes[nodeOf(i, -1)]
		switch {
		case c.cap == 0:
			continue // nobody on the roster: an empty cell everyone can see
		case c.emp < s.k:
			s.hide(nodeOf(i, -1), ReasonSmall)
			continue
		case !s.t.pol.unprotected && c.emp >= c.cap:
			s.hide(nodeOf(i, -1), ReasonHomogeneous)
			continue
		}
		for _, fam := range [2][2]int{{0, nr}, {nr, nCats - 1}} {
			homogeneous := false
			for j := fam[0]; j < fam[1]; j++ {
				if s.t.nodes[nodeOf(i, j)].emp == c.emp {
					homogeneous = true
				}
			}
			for j := fam[0]; j < fam[1]; j++ {
				switch {
				case homogeneous && !s.t.pol.unprotected:
					s.hide(nodeOf(i, j), ReasonHomogeneous)
				case s.t.nodes[nodeOf(i, j)].emp == 0:
					// Nobody: shown as 0. The members of a distribution are
					// participants, whom HR does not know, so a zero says
					// nothing about a known person (homogeneity covers the
					// case where the other categories hold everyone).
				case s.t.nodes[nodeOf(i, j)].emp < s.k:
					s.hide(nodeOf(i, j), ReasonSmall)
				}
			}
		}
	}
}

// hide suppresses a node (and a cell's categories with it) and queues the
// groups it is a part of.
func (s *suppressor) hide(n int, r Reason) {
	if s.t.nodes[n].hidden {
		return
	}
	s.t.nodes[n].hidden, s.t.nodes[n].reason = true, r
	for _, g := range s.partOf[n] {
		if s.queued != nil && !s.queued[g] {
			s.queued[g] = true
			s.queue = append(s.queue, g)
		}
	}
	if n%nCats == 0 {
		for j := 1; j < nCats; j++ {
			s.hide(n+j, ReasonCell)
		}
	}
}

// fixpoint applies complementary suppression until every group is safe.
func (s *suppressor) fixpoint() {
	for len(s.queue) > 0 {
		gi := s.queue[0]
		s.queue = s.queue[1:]
		s.queued[gi] = false
		g := s.groups[gi]
		if s.t.nodes[g.total].hidden {
			continue
		}
		var hidden []int
		for _, p := range g.parts {
			if s.t.nodes[p].hidden {
				hidden = append(hidden, p)
			}
		}
		if len(hidden) == 0 || s.safe(g, hidden) {
			continue
		}
		next := -1 // the smallest published part; hiding an empty one adds nothing
		for _, p := range g.parts {
			n := s.t.nodes[p]
			if !n.hidden && n.emp > 0 && (next < 0 || n.emp < s.t.nodes[next].emp) {
				next = p
			}
		}
		if next < 0 {
			next = g.total
		}
		s.hide(next, ReasonComplementary)
		if !s.queued[gi] {
			s.queued[gi] = true
			s.queue = append(s.queue, gi)
		}
	}
}

// safe reports whether the hidden parts of a group with a published total
// give nothing away. They must be at least two and hold at least k
// employees together. Where employees add up, the attacker also knows each
// part's population: the hidden parts must not all be full (everyone took
// part), and no hidden part of fewer than k people may be proven
// non-empty by the others' populations being too small to hold the rest.
func (s *suppressor) safe(g group, hidden []int) bool {
	if len(hidden) < 2 {
		return false
	}
	if !g.additive {
		return s.unionSize(hidden) >= s.k
	}
	sum, caps := 0, 0
	for _, h := range hidden {
		sum += s.t.nodes[h].emp
		caps += s.t.nodes[h].cap
	}
	if sum < s.k || sum >= caps {
		return false
	}
	for _, h := range hidden {
		if c := s.t.nodes[h].cap; c < s.k && sum-(caps-c) > 0 {
			return false
		}
	}
	return true
}

// unionSize counts the distinct employees of hidden cells.
func (s *suppressor) unionSize(nodes []int) int {
	seen := map[int32]struct{}{}
	for _, n := range nodes {
		for _, m := range s.t.cells[n/nCats].members {
			seen[m.idx] = struct{}{}
		}
	}
	return len(seen)
}

// differencing hides, for every pair of published nodes whose members
// differ by 1 to k-1 people, the smaller one; it reports whether it hid
// anything (the caller then restores complementary safety).
func (s *suppressor) differencing() bool {
	if s.pairs == nil {
		// Nodes only ever become hidden, so the close pairs among the
		// nodes published now are all there will ever be: find them once.
		var owner []int
		for n := range s.t.nodes {
			if !s.t.nodes[n].hidden {
				owner = append(owner, n)
			}
		}
		sets := memberSetsOf[uint32](s.t, owner, nil)
		s.pairs = [][2]int{}
		for _, pr := range closePairs(sets, sets, s.k, true) {
			s.pairs = append(s.pairs, [2]int{owner[pr[0]], owner[pr[1]]})
		}
	}
	changed := false
	for _, pr := range s.pairs {
		a, b := pr[0], pr[1]
		if s.t.nodes[a].hidden || s.t.nodes[b].hidden {
			continue
		}
		if s.t.nodes[b].emp < s.t.nodes[a].emp || (s.t.nodes[b].emp == s.t.nodes[a].emp && b > a) {
			a = b
		}
		s.hide(a, ReasonDifferencing)
		changed = true
	}
	return changed
}
