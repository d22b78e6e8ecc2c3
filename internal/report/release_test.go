package report

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestBudgetSharesAddUpToTheMonthlyRho(t *testing.T) {
	t.Parallel()
	var permille uint64
	var rho float64
	for _, m := range Measures() {
		permille += m.Permille
		rho += m.Rho()
		if m.Sigma() < 1 {
			t.Errorf("%s: σ %.2f below 1", m.Name, m.Sigma())
		}
	}
	if permille != 1000 {
		t.Errorf("shares add up to %d‰, want 1000‰", permille)
	}
	if want := float64(RhoNum) / float64(RhoDen); math.Abs(rho-want) > 1e-9 {
		t.Errorf("ρ of all measures %.6f, want %.6f", rho, want)
	}
	g := Guarantee()
	if g.EpsilonMonth <= 0 || g.EpsilonYear <= g.EpsilonMonth || g.RhoYear != 12*g.RhoMonth {
		t.Errorf("guarantee %+v", g)
	}
	if nThemes != len(Themes) {
		t.Errorf("nThemes %d, Themes %d", nThemes, len(Themes))
	}
}

// TestComputeBoundsEachEmployeesContribution checks the bounds with the
// noise off: each rule caps what one employee adds.
func TestComputeBoundsEachEmployeesContribution(t *testing.T) {
	t.Parallel()
	var w world
	sales := w.people(12, "営業部", "30s", "3-5y")
	dev := w.people(12, "開発部", "40s", "11y+")
	out := w.people(1, "開発部", "40s", "11y+")
	w.roster[len(w.roster)-1].OptedOut = true
	heavy := sales[0]
	w.acts = append(w.acts,
		Activity{Employee: heavy, Month: jan, Theme: "career", Sessions: 3, SatSum: 10, SatCount: 2, WHO5Sum: 180, WHO5Count: 2,
			Risk: RiskBand("urgent"), Observations: ObservationBits([]string{"workload", "communication", "career_path", "work_life"})},
		Activity{Employee: heavy, Month: jan, Theme: "mental_health", Sessions: 2},
		Activity{Employee: heavy, Month: jan, Theme: "work_life", Sessions: 1},
		Activity{Employee: dev[0], Month: jan, Theme: "career", Sessions: 1, SatSum: 1, SatCount: 1},
		Activity{Employee: dev[1], Month: jan + 1, Theme: "career", Sessions: 4},      // another month
		Activity{Employee: out[0], Month: jan, Theme: "harassment", Sessions: 1},      // opted out
		Activity{Employee: [16]byte{9}, Month: jan, Theme: "harassment", Sessions: 1}, // not on the roster
	)
	r := Compute(w.input(jan, UnsafeNoNoise{}))
	if r.Total.Participants != 2 || r.Total.Sessions != SessionCap+1 || r.Total.Population != 25 {
		t.Errorf("total %+v: want 2 participants, %d sessions, population 25", r.Total, SessionCap+1)
	}
	if s := group(t, r.Departments, "営業部"); s.Participants != 1 || s.Sessions != SessionCap || s.Population != 12 {
		t.Errorf("営業部 %+v", s)
	}
	if d := group(t, r.Departments, "開発部"); d.Population != 13 || d.Participants != 1 {
		t.Errorf("開発部 %+v: the opted-out employee counts in the population only", d)
	}
	// Themes: the heavy user's two themes with most sessions.
	if count(t, r.Themes, "career") != 2 || count(t, r.Themes, "mental_health") != 1 || count(t, r.Themes, "work_life") != 0 {
		t.Errorf("themes %+v", r.Themes)
	}
	if count(t, r.Themes, "harassment") != 0 {
		t.Errorf("an opted-out or unknown employee counted: %+v", r.Themes)
	}
	if count(t, r.Risk, "high") != 1 || count(t, r.Risk, "unrecorded") != 1 {
		t.Errorf("risk %+v: urgent counts as high; no record is unrecorded", r.Risk)
	}
	obs := count(t, r.Observations, "workload") + count(t, r.Observations, "communication") +
		count(t, r.Observations, "career_path") + count(t, r.Observations, "work_life")
	if obs != ObservationCap {
		t.Errorf("observations %+v: want %d counted", r.Observations, ObservationCap)
	}
	// Satisfaction 5 and 5 → 50 tenths, centred +20; 1 → 10 tenths, −20.
	if s := r.Total.Satisfaction; s.Count != 2 || s.Sum != 0 {
		t.Errorf("satisfaction %+v, want count 2 sum 0", s)
	}
	// WHO-5 90 % → centred +40.
	if m := r.Total.WHO5; m.Count != 1 || m.Sum != 40 {
		t.Errorf("WHO-5 %+v", m)
	}
}

// TestComputeReleasesEveryPartitionWithNoise: zeros are released noisy
// like every other count, and the release holds no employee id.
func TestComputeReleasesEveryPartitionWithNoise(t *testing.T) {
	t.Parallel()
	var w world
	w.people(30, "営業部", "30s", "0-2y")
	w.people(30, "開発部/基盤", "", "6-10y")
	r := Compute(w.input(jan, seeded(1)))
	if len(r.AgeBands) != len(AgeBands)+1 || len(r.TenureBands) != len(TenureBands)+1 || len(r.Themes) != len(Themes) ||
		len(r.Risk) != len(RiskBands) || len(r.Observations) != len(Observations) {
		t.Fatalf("a partition is missing: %+v", r)
	}
	nonzero := 0
	for _, c := range append(append(r.Themes, r.Risk...), r.Observations...) {
		if c.Value != 0 {
			nonzero++
		}
	}
	for _, g := range append(append(r.AgeBands, r.TenureBands...), r.Departments...) {
		if g.Participants != 0 {
			nonzero++
		}
	}
	if nonzero < 10 {
		t.Errorf("only %d of the zero counts carry noise", nonzero)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range w.roster {
		if strings.Contains(string(b), e.ID.String()) {
			t.Fatalf("the release holds an employee id")
		}
	}
}

// TestSameInputDifferentNoiseDraws: the noise is fresh per release (a
// stored release is never redrawn; that is the store's test).
func TestSameInputDifferentNoiseDraws(t *testing.T) {
	t.Parallel()
	var w world
	ids := w.people(40, "営業部", "30s", "0-2y")
	w.sessions(ids[:20], jan, "career", 1)
	a, b := Compute(w.input(jan, seeded(1))), Compute(w.input(jan, seeded(2)))
	if a.Total.Participants == b.Total.Participants && a.Total.Sessions == b.Total.Sessions &&
		a.Departments[0].Participants == b.Departments[0].Participants {
		t.Errorf("two seeds drew the same noise")
	}
}

// TestUptakeCountsEachEmployeeInTheirNewestProgrammes: with many open
// programmes, each employee counts in the ProgrammeCap newest they
// joined, whatever the number of programmes.
func TestUptakeCountsEachEmployeeInTheirNewestProgrammes(t *testing.T) {
	t.Parallel()
	var w world
	ids := w.people(20, "営業部", "30s", "0-2y")
	in := w.input(jan, UnsafeNoNoise{})
	for i := range 70 {
		in.Programmes = append(in.Programmes, Invitation{Programme: [16]byte{byte(i), 1}, Invited: 20})
	}
	for _, id := range ids {
		for _, p := range []int{0, 1, 65, 66} {
			in.Enrolments = append(in.Enrolments, Enrolment{Programme: [16]byte{byte(p), 1}, Employee: id, Joined: true})
		}
	}
	r := Compute(in)
	for i, u := range r.Programmes {
		want := int64(0)
		if i == 65 || i == 66 {
			want = 20
		}
		if u.Joined != want {
			t.Errorf("programme %d joined %d, want %d", i, u.Joined, want)
		}
	}
}
