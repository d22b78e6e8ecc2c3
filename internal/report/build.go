package report

import (
	"math"
	"slices"

	"github.com/google/uuid"
)

// member is one distinct employee of a cell with what the cell's
// distributions need: the highest risk band and the observations seen.
type member struct {
	idx   int32
	risk  int8
	obs   uint8
	rated bool // gave a satisfaction rating
	who5  bool // answered the WHO-5
}

// cellData is a cell before suppression.
type cellData struct {
	a, b     int // key indices in the two dimensions
	members  []member
	sessions int
	satSum   int
	satCount int
	who5Sum  int
	who5Cnt  int
	pop      int // non-opted-out roster people the cell's partition keys cover
}

// Build computes the report of q over the roster and its activity under
// pol: cells, margins and distributions with DEID-1 suppression applied,
// including differencing between the cells of this one table. Opted-out
// employees and activity outside q's range are left out. The result still
// has to pass a company's Released guard before it is shown.
func Build(pol Policy, q Query, roster []Employee, acts []Activity) *Table {
	k := pol.k()
	dims := [2]dimension{}
	var empBucket [2][]int
	var monthAt map[Month]int
	for i := range 2 {
		if i >= len(q.By) {
			dims[i] = unitDim()
			empBucket[i] = make([]int, len(roster))
			continue
		}
		switch q.By[i] {
		case DimDepartment:
			dims[i], empBucket[i] = departmentDim(roster, k)
		case DimAgeBand:
			dims[i], empBucket[i] = bandBuckets(DimAgeBand, AgeBands, roster, func(e Employee) string { return e.AgeBand })
		case DimTenureBand:
			dims[i], empBucket[i] = bandBuckets(DimTenureBand, TenureBands, roster, func(e Employee) string { return e.TenureBand })
		case DimTheme:
			dims[i] = flatDim(DimTheme, Themes)
		case DimMonth:
			dims[i], monthAt = timeBuckets(q)
		}
	}
	t := &Table{MinGroup: k, Query: q, pol: pol, nB: len(dims[1].keys), dims: dims}
	t.cells = make([]cellData, len(dims[0].keys)*t.nB)
	for a := range dims[0].keys {
		for b := range dims[1].keys {
			t.cells[a*t.nB+b] = cellData{a: a, b: b}
		}
	}
	// Leaves: each activity of a kept employee lands in one bucket pair.
	// Employee index (kept employees only) and roster position by id.
	type at struct {
		idx    int32
		roster int32
	}
	atOf := make(map[uuid.UUID]at, len(roster))
	for r, e := range roster {
		if !e.OptedOut {
			atOf[e.ID] = at{int32(len(t.ids)), int32(r)}
			t.ids = append(t.ids, e.ID)
		}
	}
	themeAt := map[string]int{}
	for i, th := range Themes {
		themeAt[th] = i
	}
	bucketOf := func(i int, r int, a Activity) int {
		switch dims[i].dim {
		case DimTheme:
			if j, ok := themeAt[a.Theme]; ok {
				return j
			}
			return -1
		case DimMonth:
			if j, ok := monthAt[a.Month]; ok {
				return j
			}
			return -1
		}
		return empBucket[i][r]
	}
	for _, a := range acts {
		if a.Month < q.From || a.Month > q.To || a.Sessions <= 0 {
			continue
		}
		ea, ok := atOf[a.Employee]
		if !ok {
			continue
		}
		idx, r := ea.idx, int(ea.roster)
		ba, bb := bucketOf(0, r, a), bucketOf(1, r, a)
		if ba < 0 || bb < 0 {
			continue
		}
		c := &t.cells[ba*t.nB+bb]
		c.members = append(c.members, member{idx: idx, risk: a.Risk, obs: a.Observations, rated: a.SatCount > 0, who5: a.WHO5Count > 0})
		c.sessions += a.Sessions
		c.satSum += a.SatSum
		c.satCount += a.SatCount
		c.who5Sum += a.WHO5Sum
		c.who5Cnt += a.WHO5Count
	}
	for i := range t.cells {
		t.cells[i].members = mergeMembers(t.cells[i].members)
	}
	t.aggregate(dims)
	t.population(dims, roster, empBucket)
	t.suppress(dims)
	t.publish(dims)
	return t
}

// aggregate fills aggregate cells from their parts: members as a union,
// sessions and ratings as sums (each session is in one month and theme).
func (t *Table) aggregate(dims [2]dimension) {
	var mg merger
	for a := range dims[0].keys {
		for b := range dims[1].keys {
			var parts []int
			if pa, ok := dims[0].parts[a]; ok {
				for _, p := range pa {
					parts = append(parts, p*t.nB+b)
				}
			} else if pb, ok := dims[1].parts[b]; ok {
				for _, p := range pb {
					parts = append(parts, a*t.nB+p)
				}
			} else {
				continue
			}
			c := &t.cells[a*t.nB+b]
			lists := make([][]member, 0, len(parts))
			for _, p := range parts {
				pc := t.cells[p]
				lists = append(lists, pc.members)
				c.sessions += pc.sessions
				c.satSum += pc.satSum
				c.satCount += pc.satCount
				c.who5Sum += pc.who5Sum
				c.who5Cnt += pc.who5Cnt
			}
			c.members = mg.merge(lists)
		}
	}
}

// merger merges sorted member lists, reusing its buffers between calls.
type merger struct {
	a, b       []member
	runs, next []int
}

// merge merges lists of members, each ascending without duplicates (as
// mergeMembers leaves them), into one such list: adjacent runs are merged
// pairwise, round by round, in two buffers; only the result is allocated.
func (mg *merger) merge(lists [][]member) []member {
	a, runs := mg.a[:0], mg.runs[:0]
	for _, l := range lists {
		a = append(a, l...)
		runs = append(runs, len(a))
	}
	b, next := mg.b[:0], mg.next[:0]
	for len(runs) > 1 {
		b, next = b[:0], next[:0]
		start := 0
		for i := 0; i < len(runs); i += 2 {
			if i+1 < len(runs) {
				b = mergeTwo(b, a[start:runs[i]], a[runs[i]:runs[i+1]])
				start = runs[i+1]
			} else {
				b = append(b, a[start:runs[i]]...)
			}
			next = append(next, len(b))
		}
		a, b = b, a
		runs, next = next, runs
	}
	out := slices.Clone(a)
	mg.a, mg.b, mg.runs, mg.next = a, b, runs, next
	return out
}

// mergeTwo appends the merge of two ascending member lists to out, one
// entry per employee.
func mergeTwo(out, x, y []member) []member {
	i, j := 0, 0
	for i < len(x) && j < len(y) {
		switch {
		case x[i].idx < y[j].idx:
			out = append(out, x[i])
			i++
		case x[i].idx > y[j].idx:
			out = append(out, y[j])
			j++
		default:
			m := x[i]
			m.risk = max(m.risk, y[j].risk)
			m.obs |= y[j].obs
			m.rated = m.rated || y[j].rated
			m.who5 = m.who5 || y[j].who5
			out = append(out, m)
			i++
			j++
		}
	}
	out = append(out, x[i:]...)
	return append(out, y[j:]...)
}

// population counts, for every cell, the non-opted-out people its
// partition keys (department, bands) cover; months and themes narrow
// nobody out, since anyone could have taken part in any of them.
func (t *Table) population(dims [2]dimension, roster []Employee, empBucket [2][]int) {
	nA := len(dims[0].keys)
	joint := make([]int, nA*t.nB)
	keyOf := func(i, r int) int {
		if dims[i].dim.partition() {
			return empBucket[i][r]
		}
		return len(dims[i].keys) - 1
	}
	for r, e := range roster {
		if !e.OptedOut {
			joint[keyOf(0, r)*t.nB+keyOf(1, r)]++
		}
	}
	for a := range dims[0].keys {
		for b := range dims[1].keys {
			if pa, ok := dims[0].parts[a]; ok && dims[0].dim.partition() {
				for _, p := range pa {
					joint[a*t.nB+b] += joint[p*t.nB+b]
				}
			} else if pb, ok := dims[1].parts[b]; ok && dims[1].dim.partition() {
				for _, p := range pb {
					joint[a*t.nB+b] += joint[a*t.nB+p]
				}
			}
		}
	}
	for a := range dims[0].keys {
		for b := range dims[1].keys {
			pa, pb := a, b
			if !dims[0].dim.partition() {
				pa = nA - 1
			}
			if !dims[1].dim.partition() {
				pb = t.nB - 1
			}
			t.cells[a*t.nB+b].pop = joint[pa*t.nB+pb]
		}
	}
}

// mergeMembers sorts members and merges duplicates of one employee.
func mergeMembers(ms []member) []member {
	if len(ms) < 2 {
		return ms
	}
	slices.SortFunc(ms, func(x, y member) int { return int(x.idx) - int(y.idx) })
	out := ms[:1]
	for _, m := range ms[1:] {
		last := &out[len(out)-1]
		if m.idx != last.idx {
			out = append(out, m)
			continue
		}
		last.risk = max(last.risk, m.risk)
		last.obs |= m.obs
		last.rated = last.rated || m.rated
		last.who5 = last.who5 || m.who5
	}
	return out
}

// publish turns suppression decisions into the Cells callers read.
func (t *Table) publish(dims [2]dimension) {
	k := t.MinGroup
	t.Cells = make([]Cell, len(t.cells))
	shown := 0
	for i := range t.cells {
		if !t.nodes[nodeOf(i, -1)].hidden {
			shown++
		}
	}
	cats := make([]Category, 0, shown*(nCats-1)) // every shown cell's categories
	for i, cd := range t.cells {
		keys := []string{dims[0].keys[cd.a]}
		if len(t.Query.By) == 2 {
			keys = append(keys, dims[1].keys[cd.b])
		}
		n := t.nodes[nodeOf(i, -1)]
		c := Cell{Keys: keys, Suppressed: n.hidden, Reason: n.reason}
		if !n.hidden {
			c.Employees, c.Sessions = len(cd.members), cd.sessions
			raters, answerers := 0, 0
			for _, m := range cd.members {
				if m.rated {
					raters++
				}
				if m.who5 {
					answerers++
				}
			}
			if raters >= k && cd.satCount > 0 {
				avg := math.Round(float64(cd.satSum)/float64(cd.satCount)*10) / 10
				c.SatisfactionAvg = &avg
			}
			// WHO-5 like satisfaction: k distinct employees answered, the
			// mean of the answers (0–100) to a whole number.
			if answerers >= k && cd.who5Cnt > 0 {
				avg := math.Round(float64(cd.who5Sum) / float64(cd.who5Cnt))
				c.WellbeingAvg = &avg
			}
			cats = t.categories(cats, i, 0, RiskBands)
			c.Risk = cats[len(cats)-len(RiskBands) : len(cats) : len(cats)]
			cats = t.categories(cats, i, len(RiskBands), Observations)
			c.Observations = cats[len(cats)-len(Observations) : len(cats) : len(cats)]
		}
		t.Cells[i] = c
	}
}

// categories appends a cell's categories codes (from category first on).
func (t *Table) categories(out []Category, cell, first int, codes []string) []Category {
	for j, code := range codes {
		n := t.nodes[nodeOf(cell, first+j)]
		c := Category{Code: code, Suppressed: n.hidden, Reason: n.reason}
		if !n.hidden {
			c.Employees = n.emp
		}
		out = append(out, c)
	}
	return out
}
