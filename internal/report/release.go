package report

import (
	"cmp"
	"slices"

	"github.com/google/uuid"
)

// ReleaseVersion is the shape of a stored release.
const ReleaseVersion = 1

// Group is one partition's noisy numbers in a release.
type Group struct {
	Key          string `json:"key"`
	Population   int    `json:"population"` // roster people in the partition, opted-out ones included (HR holds the roster)
	Participants int64  `json:"participants"`
	Sessions     int64  `json:"sessions"`
	Satisfaction *Mean  `json:"satisfaction,omitempty"` // company-wide and by department only
	WHO5         *Mean  `json:"who5,omitempty"`
}

// Mean is a noisy sum of centred, clamped per-employee values over a
// noisy count of the employees who gave one.
type Mean struct {
	Sum   int64 `json:"sum"`
	Count int64 `json:"count"`
}

// Count is one noisy count of employees under a fixed key.
type Count struct {
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// Subtree is a department with departments under it: its numbers are the
// sum of its parts' (post-processing), never released on their own.
type Subtree struct {
	Key   string   `json:"key"`   // path + SubtreeSuffix, or KeyAll for the company
	Parts []string `json:"parts"` // department keys (buckets) it is made of
}

// Uptake is an open-invitation programme's noisy uptake at the release.
type Uptake struct {
	Programme uuid.UUID `json:"programme"`
	Invited   int       `json:"invited"` // exact: HR invited them
	Joined    int64     `json:"joined"`
	Held      int64     `json:"held"` // employees with at least one held step
}

// Release is one company's published month: every number noisy, drawn
// once. It holds no raw count, no employee and no noise value.
type Release struct {
	Version      int       `json:"version"`
	Month        Month     `json:"month"`
	MinGroup     int       `json:"min_group"` // the roll-up's group size at release
	Rho          float64   `json:"rho"`
	Total        Group     `json:"total"`
	Departments  []Group   `json:"departments"` // the roll-up's buckets, in key order
	Subtrees     []Subtree `json:"subtrees"`    // post-order: every subtree after its parts
	AgeBands     []Group   `json:"age_bands"`   // AgeBands then KeyOther
	TenureBands  []Group   `json:"tenure_bands"`
	Themes       []Count   `json:"themes"`
	Risk         []Count   `json:"risk"`
	Observations []Count   `json:"observations"`
	Programmes   []Uptake  `json:"programmes"`
}

// Invitation is an open-invitation programme as the release sees it:
// its id (programmes in creation order) and how many were invited.
type Invitation struct {
	Programme uuid.UUID
	Invited   int
}

// Input is everything one company's release of one month is computed
// from.
type Input struct {
	Month      Month
	MinGroup   int
	Roster     []Employee
	Activity   []Activity   // the month's; other months and unknown employees are ignored
	Programmes []Invitation // open programmes, oldest first
	Enrolments []Enrolment
	Noise      Noise
}

// unit is one employee's bounded contribution to a month.
type unit struct {
	buckets  [3]int // department, age band, tenure band
	sessions int64  // ≤ SessionCap
	themes   []int  // ≤ ThemeCap theme indices
	risk     int    // band index
	obs      []int  // ≤ ObservationCap observation indices
	sat      int64  // centred tenths; valid when hasSat
	who5     int64  // centred percent; valid when hasWHO5
	hasSat   bool
	hasWHO5  bool
}

// Compute makes one company's release for in.Month: it bounds every
// employee's contribution, counts, and adds in.Noise to every count and
// sum of every fixed partition (zeros included).
func Compute(in Input) *Release {
	k := MinGroup(in.MinGroup)
	dept, deptOf := departmentDim(in.Roster, k)
	age, ageOf := bandBuckets(DimAgeBand, AgeBands, in.Roster, func(e Employee) string { return e.AgeBand })
	ten, tenOf := bandBuckets(DimTenureBand, TenureBands, in.Roster, func(e Employee) string { return e.TenureBand })
	units := bound(in, deptOf, ageOf, tenOf)

	r := &Release{Version: ReleaseVersion, Month: in.Month, MinGroup: k, Rho: float64(RhoNum) / float64(RhoDen)}
	n := in.Noise
	r.Total = Group{Key: KeyAll, Population: len(in.Roster)}
	r.Departments = groups(dept.keys[:dept.nBuckets])
	r.AgeBands = groups(age.keys[:age.nBuckets])
	r.TenureBands = groups(ten.keys[:ten.nBuckets])
	for i := range in.Roster {
		r.Departments[deptOf[i]].Population++
		r.AgeBands[ageOf[i]].Population++
		r.TenureBands[tenOf[i]].Population++
	}
	total := [1]Group{}
	countGroups(units, total[:], func(unit) int { return 0 }, true)
	countGroups(units, r.Departments, func(u unit) int { return u.buckets[0] }, true)
	countGroups(units, r.AgeBands, func(u unit) int { return u.buckets[1] }, false)
	countGroups(units, r.TenureBands, func(u unit) int { return u.buckets[2] }, false)
	r.Total.Participants, r.Total.Sessions, r.Total.Satisfaction, r.Total.WHO5 =
		total[0].Participants, total[0].Sessions, total[0].Satisfaction, total[0].WHO5

	noisyGroups(n, []*Group{&r.Total}, mTotalParticipants, mTotalSessions, [4]Measure{mTotalSatSum, mTotalSatCount, mTotalWHO5Sum, mTotalWHO5Count})
	noisyGroups(n, ptrs(r.Departments), mDeptParticipants, mDeptSessions, [4]Measure{mDeptSatSum, mDeptSatCount, mDeptWHO5Sum, mDeptWHO5Count})
	noisyGroups(n, ptrs(r.AgeBands), mAgeParticipants, mAgeSessions, [4]Measure{})
	noisyGroups(n, ptrs(r.TenureBands), mTenParticipants, mTenSessions, [4]Measure{})

	r.Themes = noisyCounts(n, mThemes, Themes, units, func(u unit) []int { return u.themes })
	r.Risk = noisyCounts(n, mRisk, RiskBands, units, func(u unit) []int { return []int{u.risk} })
	r.Observations = noisyCounts(n, mObservations, Observations, units, func(u unit) []int { return u.obs })
	r.Programmes = uptakes(in, n)

	for i := dept.nBuckets; i < len(dept.keys); i++ {
		parts := make([]string, len(dept.parts[i]))
		for j, p := range dept.parts[i] {
			parts[j] = dept.keys[p]
		}
		r.Subtrees = append(r.Subtrees, Subtree{Key: dept.keys[i], Parts: parts})
	}
	return r
}

func groups(keys []string) []Group {
	out := make([]Group, len(keys))
	for i, k := range keys {
		out[i] = Group{Key: k}
	}
	return out
}

func ptrs(gs []Group) []*Group {
	out := make([]*Group, len(gs))
	for i := range gs {
		out[i] = &gs[i]
	}
	return out
}

// bound turns the month's activity into one bounded unit per employee
// who held a session: opted-out and unknown employees are left out.
func bound(in Input, deptOf, ageOf, tenOf []int) []unit {
	at := make(map[uuid.UUID]int, len(in.Roster))
	for i, e := range in.Roster {
		if !e.OptedOut {
			at[e.ID] = i
		}
	}
	type acc struct {
		themes                          [nThemes]int
		sessions, satSum, satN, w5, w5N int
		risk                            int8
		obs                             uint8
	}
	byEmp := map[int]*acc{}
	var order []int
	for _, a := range in.Activity {
		i, ok := at[a.Employee]
		if !ok || a.Month != in.Month || a.Sessions <= 0 {
			continue
		}
		x := byEmp[i]
		if x == nil {
			x = &acc{}
			byEmp[i] = x
			order = append(order, i)
		}
		if t := slices.Index(Themes, a.Theme); t >= 0 {
			x.themes[t] += a.Sessions
		}
		x.sessions += a.Sessions
		x.satSum, x.satN, x.w5, x.w5N = x.satSum+a.SatSum, x.satN+a.SatCount, x.w5+a.WHO5Sum, x.w5N+a.WHO5Count
		x.risk = max(x.risk, a.Risk)
		x.obs |= a.Observations
	}
	slices.Sort(order)
	units := make([]unit, 0, len(order))
	for _, i := range order {
		x := byEmp[i]
		u := unit{buckets: [3]int{deptOf[i], ageOf[i], tenOf[i]}, sessions: int64(min(x.sessions, SessionCap)),
			risk: int(x.risk), themes: topThemes(x.themes[:])}
		for b := 0; b < len(Observations) && len(u.obs) < ObservationCap; b++ {
			if x.obs&(1<<b) != 0 {
				u.obs = append(u.obs, b)
			}
		}
		if x.satN > 0 {
			u.sat, u.hasSat = clampCentre(roundDiv(10*x.satSum, x.satN), satLo, satHi, satMid), true
		}
		if x.w5N > 0 {
			u.who5, u.hasWHO5 = clampCentre(roundDiv(x.w5, x.w5N), who5Lo, who5Hi, who5Mid), true
		}
		units = append(units, u)
	}
	return units
}

// nThemes is len(Themes), as a constant for arrays.
const nThemes = 10

// topThemes is up to ThemeCap themes with the most sessions, ties in
// taxonomy order.
func topThemes(sessions []int) []int {
	var idx []int
	for t, s := range sessions {
		if s > 0 {
			idx = append(idx, t)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(sessions[b], sessions[a]) })
	return idx[:min(len(idx), ThemeCap)]
}

func roundDiv(a, b int) int { return (2*a + b) / (2 * b) }

func clampCentre(v, lo, hi, mid int) int64 { return int64(min(max(v, lo), hi) - mid) }

// countGroups adds each unit to its group; means only where wanted.
func countGroups(units []unit, gs []Group, key func(unit) int, means bool) {
	if means {
		for i := range gs {
			gs[i].Satisfaction, gs[i].WHO5 = &Mean{}, &Mean{}
		}
	}
	for _, u := range units {
		g := &gs[key(u)]
		g.Participants++
		g.Sessions += u.sessions
		if means && u.hasSat {
			g.Satisfaction.Sum += u.sat
			g.Satisfaction.Count++
		}
		if means && u.hasWHO5 {
			g.WHO5.Sum += u.who5
			g.WHO5.Count++
		}
	}
}

// noisyGroups adds noise to every number of every group: participants,
// sessions and, where present, the means' sums and counts.
func noisyGroups(n Noise, gs []*Group, part, sess Measure, means [4]Measure) {
	for _, g := range gs {
		g.Participants += draw(n, part)
		g.Sessions += draw(n, sess)
		if g.Satisfaction != nil {
			g.Satisfaction.Sum += draw(n, means[0])
			g.Satisfaction.Count += draw(n, means[1])
		}
		if g.WHO5 != nil {
			g.WHO5.Sum += draw(n, means[2])
			g.WHO5.Count += draw(n, means[3])
		}
	}
}

func draw(n Noise, m Measure) int64 {
	num, den := m.Sigma2()
	if g := gcd(num, den); g > 1 {
		num, den = num/g, den/g
	}
	return n.Draw(num, den)
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// noisyCounts counts units under fixed keys (a unit may name several)
// and adds noise to every key's count.
func noisyCounts(n Noise, m Measure, keys []string, units []unit, of func(unit) []int) []Count {
	out := make([]Count, len(keys))
	for i, k := range keys {
		out[i].Key = k
	}
	for _, u := range units {
		for _, i := range of(u) {
			out[i].Value++
		}
	}
	for i := range out {
		out[i].Value += draw(n, m)
	}
	return out
}

// uptakes counts joiners and holders of each open programme, each
// employee in at most ProgrammeCap programmes (the newest they joined or
// held a step of).
func uptakes(in Input, n Noise) []Uptake {
	optedOut := map[uuid.UUID]bool{}
	for _, e := range in.Roster {
		if e.OptedOut {
			optedOut[e.ID] = true
		}
	}
	pos := map[uuid.UUID]int{}
	out := make([]Uptake, len(in.Programmes))
	for i, p := range in.Programmes {
		pos[p.Programme] = i
		out[i] = Uptake{Programme: p.Programme, Invited: p.Invited}
	}
	joined, held := map[uuid.UUID][]int{}, map[uuid.UUID][]int{}
	for _, e := range in.Enrolments {
		i, ok := pos[e.Programme]
		if !ok || optedOut[e.Employee] {
			continue
		}
		if e.Joined {
			joined[e.Employee] = append(joined[e.Employee], i)
		}
		if e.Held {
			held[e.Employee] = append(held[e.Employee], i)
		}
	}
	add := func(m map[uuid.UUID][]int, field func(*Uptake) *int64) {
		for _, idx := range m {
			slices.Sort(idx)
			for _, i := range idx[max(0, len(idx)-ProgrammeCap):] { // newest first: programmes come oldest first
				*field(&out[i])++
			}
		}
	}
	add(joined, func(u *Uptake) *int64 { return &u.Joined })
	add(held, func(u *Uptake) *int64 { return &u.Held })
	for i := range out {
		out[i].Joined += draw(n, mProgJoined)
		out[i].Held += draw(n, mProgHeld)
	}
	return out
}
