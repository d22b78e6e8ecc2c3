package report

import (
	"math"
	"slices"
)

// reader is Read's post-processing: it walks the query's axes and adds
// up each cell over its released months.
type reader struct {
	in ReadInput
	k  int
}

// axis is one dimension's keys, each with the months it covers (time) or
// all of the range's months (others).
type axis struct {
	dim    Dim
	keys   []string
	months [][]Month // per key; nil: every month of the range
}

func (r reader) cells() []Cell {
	q := r.in.Query
	axes := make([]axis, len(q.By))
	for i, d := range q.By {
		axes[i] = r.axis(d)
	}
	var keyDim Dim
	for _, d := range q.By {
		if d != DimMonth {
			keyDim = d
		}
	}
	var out []Cell
	var walk func(i int, keys []string, months []Month)
	walk = func(i int, keys []string, months []Month) {
		if i == len(axes) {
			kk := KeyAll
			for j, d := range q.By {
				if d != DimMonth {
					kk = keys[j]
				}
			}
			out = append(out, r.cell(slices.Clone(keys), keyDim, kk, months))
			return
		}
		for j, key := range axes[i].keys {
			ms := months
			if axes[i].months != nil {
				ms = axes[i].months[j]
			}
			walk(i+1, append(keys, key), ms)
		}
	}
	var all []Month
	for m := q.From; m <= q.To; m++ {
		all = append(all, m)
	}
	walk(0, nil, all)
	return out
}

// axis lists d's keys over the range: for departments, the buckets and
// subtrees of the latest release first, then keys only older releases
// have.
func (r reader) axis(d Dim) axis {
	q := r.in.Query
	switch d {
	case DimMonth:
		a := axis{dim: d}
		for m := q.From; m <= q.To; m++ {
			label := q.bucket(m)
			if n := len(a.keys); n == 0 || a.keys[n-1] != label {
				a.keys = append(a.keys, label)
				a.months = append(a.months, nil)
			}
			a.months[len(a.months)-1] = append(a.months[len(a.months)-1], m)
		}
		var all []Month
		for m := q.From; m <= q.To; m++ {
			all = append(all, m)
		}
		a.keys = append(a.keys, KeyAll)
		a.months = append(a.months, all)
		return a
	case DimAgeBand:
		return axis{dim: d, keys: append(append(slices.Clone(AgeBands), KeyOther), KeyAll)}
	case DimTenureBand:
		return axis{dim: d, keys: append(append(slices.Clone(TenureBands), KeyOther), KeyAll)}
	case DimTheme:
		return axis{dim: d, keys: append(slices.Clone(Themes), KeyAll)}
	}
	var keys []string
	for m := q.To; m >= q.From; m-- {
		p, ok := r.in.Releases[m]
		if !ok {
			continue
		}
		for _, g := range p.Release.Departments {
			if !slices.Contains(keys, g.Key) {
				keys = append(keys, g.Key)
			}
		}
		for _, s := range p.Release.Subtrees {
			if s.Key != KeyAll && !slices.Contains(keys, s.Key) {
				keys = append(keys, s.Key)
			}
		}
	}
	return axis{dim: d, keys: append(keys, KeyAll)}
}

// acc adds up one cell's released numbers over its months.
type acc struct {
	months, pop          int
	part, sess           int64
	hasSess, hasMeans    bool
	satS, satN, w5S, w5N int64
	satVar, w5Var        float64 // the noise variance of the sums
	risk, obs            []int64
}

// Means are shown only when their noise's standard error (known from the
// public σ and the noisy count) is at most this: 0.3 of a point of
// satisfaction (in tenths) and 5 points of WHO-5.
const (
	maxSatError  = 3
	maxWHO5Error = 5
)

// cell aggregates key of dim over months (in order, so that the latest
// release's population counts).
func (r reader) cell(keys []string, dim Dim, key string, months []Month) Cell {
	var a acc
	for _, m := range months {
		p, ok := r.in.Releases[m]
		if !ok {
			continue
		}
		g, sess, ok := lookup(p.Release, dim, key)
		if !ok {
			continue
		}
		a.satVar += sumVariance(p.Release, dim, key, mTotalSatSum, mDeptSatSum)
		a.w5Var += sumVariance(p.Release, dim, key, mTotalWHO5Sum, mDeptWHO5Sum)
		a.months++
		a.pop = g.Population
		a.part += g.Participants
		if sess {
			a.hasSess = true
			a.sess += g.Sessions
		}
		if g.Satisfaction != nil && g.WHO5 != nil {
			a.hasMeans = true
			a.satS, a.satN = a.satS+g.Satisfaction.Sum, a.satN+g.Satisfaction.Count
			a.w5S, a.w5N = a.w5S+g.WHO5.Sum, a.w5N+g.WHO5.Count
		}
		if key == KeyAll {
			a.risk = addCounts(a.risk, p.Release.Risk)
			a.obs = addCounts(a.obs, p.Release.Observations)
		}
	}
	return r.shape(keys, key, a)
}

func addCounts(into []int64, cs []Count) []int64 {
	if into == nil {
		into = make([]int64, len(cs))
	}
	for i, c := range cs {
		if i < len(into) {
			into[i] += c.Value
		}
	}
	return into
}

// shape applies the display rules to an accumulated cell.
func (r reader) shape(keys []string, key string, a acc) Cell {
	c := Cell{Key: CellKey(keys), Keys: keys, Months: a.months, Risk: []Category{}, Observations: []Category{}}
	switch {
	case a.months == 0:
		c.Suppressed, c.Reason = true, ReasonNotReleased
		return c
	case a.pop < r.k:
		c.Suppressed, c.Reason = true, ReasonPopulation
		return c
	}
	show := func(name string, v int64) *int {
		if v < int64(r.k) {
			c.Below = append(c.Below, name)
			return nil
		}
		n := int(v)
		return &n
	}
	avg := func(v int64) int64 { return int64(math.Round(float64(v) / float64(a.months))) }
	c.Employees = show("employees", avg(a.part))
	c.PersonMonths = show("person_months", a.part)
	if a.hasSess {
		c.Sessions = show("sessions", a.sess)
	}
	if a.hasMeans && a.satN >= int64(r.k) {
		if math.Sqrt(a.satVar)/float64(a.satN) > maxSatError {
			c.Imprecise = append(c.Imprecise, "satisfaction_avg")
		} else {
			v := math.Round(min(max(float64(satMid)+float64(a.satS)/float64(a.satN), satLo), satHi)) / 10
			c.SatisfactionAvg = &v
		}
	}
	if a.hasMeans && a.w5N >= int64(r.k) {
		if math.Sqrt(a.w5Var)/float64(a.w5N) > maxWHO5Error {
			c.Imprecise = append(c.Imprecise, "wellbeing_avg")
		} else {
			v := math.Round(min(max(float64(who5Mid)+float64(a.w5S)/float64(a.w5N), who5Lo), who5Hi))
			c.WellbeingAvg = &v
		}
	}
	if key == KeyAll {
		c.Risk = r.categories(RiskBands, a.risk, a.months)
		c.Observations = r.categories(Observations, a.obs, a.months)
	}
	return c
}

func (r reader) categories(codes []string, sums []int64, months int) []Category {
	out := make([]Category, len(codes))
	for i, code := range codes {
		out[i] = Category{Code: code, Below: true}
		if i < len(sums) {
			if v := int64(math.Round(float64(sums[i]) / float64(months))); v >= int64(r.k) {
				n := int(v)
				out[i].Employees, out[i].Below = &n, false
			}
		}
	}
	return out
}

// lookup finds key of dim in a release: a group, a department subtree
// (the sum of its parts), or a theme count (participants only, counted
// against the company's population). sess says whether sessions are
// released for it.
func lookup(r *Release, dim Dim, key string) (Group, bool, bool) {
	if key == KeyAll {
		return r.Total, true, true
	}
	find := func(gs []Group) (Group, bool, bool) {
		for _, g := range gs {
			if g.Key == key {
				return g, true, true
			}
		}
		return Group{}, false, false
	}
	switch dim {
	case DimDepartment:
		if g, s, ok := find(r.Departments); ok {
			return g, s, ok
		}
		for _, st := range r.Subtrees {
			if st.Key == key {
				return sumParts(r, st.Parts), true, true
			}
		}
	case DimAgeBand:
		return find(r.AgeBands)
	case DimTenureBand:
		return find(r.TenureBands)
	case DimTheme:
		for _, c := range r.Themes {
			if c.Key == key {
				return Group{Key: key, Population: r.Total.Population, Participants: c.Value}, false, true
			}
		}
	}
	return Group{}, false, false
}

// sumParts is a department subtree: the sum of its buckets' numbers.
func sumParts(r *Release, parts []string) Group {
	g := Group{Satisfaction: &Mean{}, WHO5: &Mean{}}
	for _, p := range parts {
		for _, d := range r.Departments {
			if d.Key != p {
				continue
			}
			g.Population += d.Population
			g.Participants += d.Participants
			g.Sessions += d.Sessions
			if d.Satisfaction != nil {
				g.Satisfaction.Sum += d.Satisfaction.Sum
				g.Satisfaction.Count += d.Satisfaction.Count
			}
			if d.WHO5 != nil {
				g.WHO5.Sum += d.WHO5.Sum
				g.WHO5.Count += d.WHO5.Count
			}
		}
	}
	return g
}

// sumVariance is the noise variance of a mean's sum for key of dim in a
// release: the company-wide measure for the total, the department measure
// once per bucket a department key is made of.
func sumVariance(r *Release, dim Dim, key string, total, dept Measure) float64 {
	sigma2 := func(m Measure) float64 { n, d := m.Sigma2(); return float64(n) / float64(d) }
	if key == KeyAll {
		return sigma2(total)
	}
	if dim != DimDepartment {
		return 0
	}
	for _, st := range r.Subtrees {
		if st.Key == key {
			return float64(len(st.Parts)) * sigma2(dept)
		}
	}
	return sigma2(dept)
}
