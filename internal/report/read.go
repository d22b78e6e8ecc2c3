package report

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/japan"
)

// CloseDay is the day of the next month (Japan time) on which a month
// closes and its release is published: records stay editable for 7 days
// after a session, so the month's records are settled by then.
const CloseDay = 8

// PublishesOn is the day m's release is due.
func PublishesOn(m Month) time.Time {
	n := m + 1
	return time.Date(int(n)/12, time.Month(int(n)%12+1), CloseDay, 0, 0, 0, 0, japan.Zone)
}

// LastClosed is the latest month whose release is due at now.
func LastClosed(now time.Time) Month {
	t := now.In(japan.Zone)
	cur := MonthOf(t.Year(), t.Month())
	if t.Day() >= CloseDay {
		return cur - 1
	}
	return cur - 2
}

// Published is a stored release with when it was published.
type Published struct {
	Release *Release
	At      time.Time
}

// Reasons a cell shows no numbers; neither depends on private data.
const (
	ReasonPopulation  = "population"   // the partition's roster population is below min_group
	ReasonNotReleased = "not_released" // no month of the cell has a release yet
)

// ReasonNotReleasedRange is the API code of a range with no release at all.
const ReasonNotReleasedRange = "not_released"

// Body is a served report (the API's JSON, the dashboard's and the CSV's
// rows): post-processing of stored releases only.
type Body struct {
	MinGroup    int          `json:"min_group"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	By          string       `json:"by"`
	Cells       []Cell       `json:"cells"`
	Total       Total        `json:"total"`
	Months      []MonthState `json:"months"`
	Privacy     Privacy      `json:"privacy"`
	Approximate bool         `json:"approximate"` // always true: every number carries noise
	Seats       *int         `json:"seats"`       // null when the company has no current contract
	Utilisation *float64     `json:"utilisation"` // employees ÷ seats; null when either is unknown or hidden
}

// Cell is one row: keys in the order of by, KeyAll for a margin.
// Employees is participants as a monthly average over the cell's released
// months, PersonMonths their sum. A number below min_group is null and
// named in Below (shown as "fewer than min_group").
type Cell struct {
	Key             string     `json:"key"` // Keys joined with "|"
	Keys            []string   `json:"keys"`
	Sessions        *int       `json:"sessions"`
	Employees       *int       `json:"employees"`
	PersonMonths    *int       `json:"person_months"`
	SatisfactionAvg *float64   `json:"satisfaction_avg"`
	WellbeingAvg    *float64   `json:"wellbeing_avg"`
	Suppressed      bool       `json:"suppressed"`
	Reason          string     `json:"reason,omitempty"`
	Below           []string   `json:"below,omitempty"`
	Imprecise       []string   `json:"imprecise,omitempty"` // means left out: their noise would swamp them
	Months          int        `json:"months"`              // released months the cell is made of
	Risk            []Category `json:"risk"`
	Observations    []Category `json:"observations"`
}

// Category is one bar of the company-wide risk or observation
// distribution: participants as a monthly average.
type Category struct {
	Code      string `json:"code"`
	Employees *int   `json:"employees"`
	Below     bool   `json:"below"`
}

// Total is the grand total's numbers.
type Total struct {
	Sessions  *int `json:"sessions"`
	Employees *int `json:"employees"`
}

// MonthState says whether a month of the range is released, and when.
type MonthState struct {
	Month       string     `json:"month"`
	Released    bool       `json:"released"`
	ReleasedAt  *time.Time `json:"released_at,omitempty"`
	PublishesOn string     `json:"publishes_on,omitempty"` // YYYY-MM-DD, for a month without a release
}

// ReadInput is what a report is computed from: the query, the company's
// current min_group and seats, and its releases of the query's months.
type ReadInput struct {
	Query    Query
	MinGroup int
	Seats    int
	Releases map[Month]Published
}

// Read is the report of in.Query: sums over months, monthly averages of
// participants, pooled means, department subtrees as sums of their
// parts, and the display rules (population, below min_group). A range
// without any release is 422 not_released naming from.
func Read(in ReadInput) (*Body, error) {
	q := in.Query
	k := MinGroup(in.MinGroup)
	b := &Body{MinGroup: k, From: q.From.String(), To: q.To.String(), By: dimsString(q.By), Privacy: Guarantee(), Approximate: true}
	any := false
	for m := q.From; m <= q.To; m++ {
		st := MonthState{Month: m.String()}
		if p, ok := in.Releases[m]; ok {
			at := p.At
			st.Released, st.ReleasedAt, any = true, &at, true
		} else {
			st.PublishesOn = PublishesOn(m).Format(time.DateOnly)
		}
		b.Months = append(b.Months, st)
	}
	if !any {
		msg := "no month of this range is released yet: " + q.From.String() + " is published on " + PublishesOn(q.From).Format(time.DateOnly)
		e := apperr.Unprocessable(ReasonNotReleasedRange, msg)
		e.Fields = map[string]string{"from": msg}
		return nil, e
	}
	r := reader{in: in, k: k}
	b.Cells = r.cells()
	tot := b.Cells[len(b.Cells)-1]
	b.Total = Total{Sessions: tot.Sessions, Employees: tot.Employees}
	if in.Seats > 0 {
		b.Seats = &in.Seats
		if tot.Employees != nil {
			u := math.Round(float64(*tot.Employees)/float64(in.Seats)*1000) / 1000
			b.Utilisation = &u
		}
	}
	return b, nil
}

func dimsString(ds []Dim) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ",")
}

// CellKey joins a cell's keys as the API's "key".
func CellKey(keys []string) string { return strings.Join(keys, "|") }

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
