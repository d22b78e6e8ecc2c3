package report

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/report/dp"
)

// The empirical privacy audit. For a pair of neighbouring datasets (one
// employee's participation, one theme, one opt-out), the release
// mechanism runs many times on each; an auditor who knows both datasets
// applies the most powerful test there is against Gaussian noise (the
// likelihood-ratio direction: the noisy release's differences from D's
// true numbers, weighted by (D' − D)/σ² per number) at every threshold.
// Each threshold's true- and false-positive rates, taken at the edge of
// their 99.9% Clopper–Pearson intervals in the auditor's favour, must
// stay inside what the release's claimed (ε, δ) allows, and inside the
// Gaussian trade-off curve of its ρ. The same audit must find the leak
// when the noise is off: that proves the auditor is real.

// flat lists a release's numbers with their noise variances, in a fixed
// order.
func flat(r *Release) (vals []float64, vars []float64) {
	add := func(v int64, m Measure) {
		n, d := m.Sigma2()
		vals, vars = append(vals, float64(v)), append(vars, float64(n)/float64(d))
	}
	groupsOf := func(gs []Group, part, sess Measure, means [4]Measure) {
		for _, g := range gs {
			add(g.Participants, part)
			add(g.Sessions, sess)
			if g.Satisfaction != nil {
				add(g.Satisfaction.Sum, means[0])
				add(g.Satisfaction.Count, means[1])
				add(g.WHO5.Sum, means[2])
				add(g.WHO5.Count, means[3])
			}
		}
	}
	groupsOf([]Group{r.Total}, mTotalParticipants, mTotalSessions, [4]Measure{mTotalSatSum, mTotalSatCount, mTotalWHO5Sum, mTotalWHO5Count})
	groupsOf(r.Departments, mDeptParticipants, mDeptSessions, [4]Measure{mDeptSatSum, mDeptSatCount, mDeptWHO5Sum, mDeptWHO5Count})
	groupsOf(r.AgeBands, mAgeParticipants, mAgeSessions, [4]Measure{})
	groupsOf(r.TenureBands, mTenParticipants, mTenSessions, [4]Measure{})
	for _, c := range r.Themes {
		add(c.Value, mThemes)
	}
	for _, c := range r.Risk {
		add(c.Value, mRisk)
	}
	for _, c := range r.Observations {
		add(c.Value, mObservations)
	}
	for _, u := range r.Programmes {
		add(u.Joined, mProgJoined)
		add(u.Held, mProgHeld)
	}
	return vals, vars
}

// auditWorld is a small company with a month of activity and a target.
func auditWorld() (world, uuid.UUID) {
	var w world
	sales := w.people(14, "営業部", "30s", "3-5y")
	dev := w.people(16, "開発部", "40s", "6-10y")
	w.sessions(sales[1:8], jan, "career", 1)
	w.sessions(dev[:9], jan, "mental_health", 1)
	for i := range w.acts {
		w.acts[i].SatSum, w.acts[i].SatCount, w.acts[i].WHO5Sum, w.acts[i].WHO5Count = 4, 1, 60, 1
	}
	return w, sales[0]
}

type auditPair struct {
	name string
	d, n Input // neighbouring inputs
}

func auditPairs() []auditPair {
	base, target := auditWorld()
	withTarget := base
	withTarget.acts = append(append([]Activity{}, base.acts...), Activity{Employee: target, Month: jan, Theme: "harassment",
		Sessions: 2, SatSum: 2, SatCount: 1, WHO5Sum: 20, WHO5Count: 1, Risk: RiskBand("high"),
		Observations: ObservationBits([]string{"harassment_climate", "management_style"})})
	withTheme := withTarget
	withTheme.acts = append(append([]Activity{}, withTarget.acts...), Activity{Employee: target, Month: jan, Theme: "mental_health", Sessions: 1})
	optedOut := withTarget
	optedOut.roster = append([]Employee{}, withTarget.roster...)
	for i := range optedOut.roster {
		if optedOut.roster[i].ID == target {
			optedOut.roster[i].OptedOut = true
		}
	}
	return []auditPair{
		{"participation", base.input(jan, nil), withTarget.input(jan, nil)},
		{"theme", withTarget.input(jan, nil), withTheme.input(jan, nil)},
		{"opt-out", optedOut.input(jan, nil), withTarget.input(jan, nil)},
	}
}

// auditResult is the auditor's verdict on one pair.
type auditResult struct {
	violated   bool    // some threshold is outside the claimed (ε, δ) or the Gaussian curve
	epsLower   float64 // the largest ε the data prove (99.9% confidence)
	accuracy   float64 // the best balanced accuracy at any threshold (point estimate)
	thresholds int
}

// audit runs the mechanism trials times on each side of the pair with
// noise (nil: the unprotected mechanism) and tests the claim.
func audit(p auditPair, trials int, noise func(seed uint64) Noise, eps, delta, mu float64) auditResult {
	truthD, vars := flat(Compute(withNoise(p.d, UnsafeNoNoise{})))
	truthN, _ := flat(Compute(withNoise(p.n, UnsafeNoNoise{})))
	w := make([]float64, len(vars))
	for i := range w {
		w[i] = (truthN[i] - truthD[i]) / vars[i]
	}
	stat := func(in Input, seed uint64) float64 {
		nz := Noise(UnsafeNoNoise{})
		if noise != nil {
			nz = noise(seed)
		}
		v, _ := flat(Compute(withNoise(in, nz)))
		s := 0.0
		for i := range v {
			s += w[i] * (v[i] - truthD[i])
		}
		return s
	}
	s0, s1 := make([]float64, trials), make([]float64, trials)
	for i := range trials {
		s0[i], s1[i] = stat(p.d, uint64(2*i+1)), stat(p.n, uint64(2*i+2))
	}
	sort.Float64s(s0)
	sort.Float64s(s1)
	thresholds := append(append([]float64{}, s0...), s1...)
	sort.Float64s(thresholds)
	res := auditResult{}
	const z = 3.29 // two-sided 99.9%
	for i, th := range thresholds {
		if i%max(1, len(thresholds)/400) != 0 {
			continue
		}
		res.thresholds++
		fp := above(s0, th)
		tp := above(s1, th)
		fpr, tpr := float64(fp)/float64(trials), float64(tp)/float64(trials)
		res.accuracy = max(res.accuracy, (tpr+1-fpr)/2, (fpr+1-tpr)/2)
		tprLo, fprHi := wilsonLo(tp, trials, z), wilsonHi(fp, trials, z)
		// A test may say "D'" above the threshold, or below it.
		for _, pr := range [][2]float64{{tprLo, fprHi}, {wilsonLo(trials-fp, trials, z), wilsonHi(trials-tp, trials, z)}} {
			t, f := pr[0], pr[1]
			if t > dp.TPRBound(eps, delta, f)+1e-12 {
				res.violated = true
			}
			if t > gaussianTPR(f, mu)+1e-12 {
				res.violated = true
			}
			if f > 0 && t > delta {
				res.epsLower = max(res.epsLower, math.Log((t-delta)/f))
			} else if f == 0 && t > delta {
				res.epsLower = math.Inf(1)
			}
		}
	}
	return res
}

func withNoise(in Input, n Noise) Input { in.Noise = n; return in }

// above counts sorted values strictly above th.
func above(sorted []float64, th float64) int {
	return len(sorted) - sort.Search(len(sorted), func(i int) bool { return sorted[i] > th })
}

// gaussianTPR is the most true positives at false-positive rate fpr
// against Gaussian noise with privacy parameter μ = Δ/σ: Φ(Φ⁻¹(fpr) + μ).
// A ρ-zCDP Gaussian mechanism has μ = √(2ρ).
func gaussianTPR(fpr, mu float64) float64 {
	if fpr <= 0 {
		return 0
	}
	if fpr >= 1 {
		return 1
	}
	return phi(phiInv(fpr) + mu)
}

func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

func phiInv(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }

// wilsonLo and wilsonHi bound a binomial proportion (Wilson score
// interval; at 0 and n successes it is close to Clopper–Pearson's).
func wilsonLo(k, n int, z float64) float64 { lo, _ := wilson(k, n, z); return lo }
func wilsonHi(k, n int, z float64) float64 { _, hi := wilson(k, n, z); return hi }

func wilson(k, n int, z float64) (float64, float64) {
	p, nn := float64(k)/float64(n), float64(n)
	c := (p + z*z/(2*nn)) / (1 + z*z/nn)
	h := z / (1 + z*z/nn) * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn))
	return max(0, c-h), min(1, c+h)
}

// TestReleaseMechanismPassesAnEmpiricalPrivacyAudit runs the audit on
// the three neighbouring pairs with the product's noise (it must hold)
// and without noise (it must find the leak).
func TestReleaseMechanismPassesAnEmpiricalPrivacyAudit(t *testing.T) {
	t.Parallel()
	trials := 8000
	if testing.Short() {
		trials = 600
	}
	rho := float64(RhoNum) / float64(RhoDen)
	eps, mu := dp.Epsilon(rho, Delta), math.Sqrt(2*rho)
	noise := func(seed uint64) Noise {
		return GaussianNoise(rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), 42}))
	}
	for _, p := range auditPairs() {
		t.Run(p.name, func(t *testing.T) {
			on := audit(p, trials, noise, eps, Delta, mu)
			t.Logf("noise on: claimed ε=%.2f (δ=%g), μ=%.2f; best accuracy %.3f, proven ε ≥ %.2f over %d thresholds",
				eps, Delta, mu, on.accuracy, on.epsLower, on.thresholds)
			if on.violated {
				t.Errorf("the release mechanism broke its claimed guarantee (proven ε ≥ %.2f, claimed %.2f)", on.epsLower, eps)
			}
			off := audit(p, 200, nil, eps, Delta, mu)
			t.Logf("noise off: best accuracy %.3f, proven ε ≥ %.2f", off.accuracy, off.epsLower)
			if !off.violated || off.accuracy < 0.99 {
				t.Errorf("the audit did not find the leak of the unprotected mechanism: %+v", off)
			}
		})
	}
}
