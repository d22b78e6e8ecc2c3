package report

import (
	"math"

	"github.com/taiwa/taiwa/internal/report/dp"
)

// The privacy budget of one company's monthly release, accounted in
// zero-concentrated DP (zCDP) per employee per month: a release spends at
// most RhoNum/RhoDen on any one employee, however much they did. Releases
// of different months compose by adding ρ, so a year spends 12 times as
// much. docs/deid.md justifies the numbers.
const (
	RhoNum = 1
	RhoDen = 2
	// Delta is the δ at which ε is stated.
	Delta = 1e-6
)

// Contribution bounds, applied per employee before anything is counted.
const (
	SessionCap     = 2 // sessions per employee per month counted at most
	ThemeCap       = 2 // themes per employee per month: the two with most sessions
	ObservationCap = 3 // observation codes per employee per month, in taxonomy order
	ProgrammeCap   = 2 // open programmes per employee in one release, the newest
	// Satisfaction (1–5) enters as the employee's mean in tenths, clamped
	// to 10–50 and centred on 30; WHO-5 (0–100 %) as the mean, clamped and
	// centred on 50. Centring halves the sum's sensitivity.
	satLo, satHi, satMid    = 10, 50, 30
	who5Lo, who5Hi, who5Mid = 0, 100, 50
)

// Measure is one family of released numbers: its squared L2 sensitivity
// after the bounds above (how far one employee can move the whole family)
// and its share of the monthly budget in thousandths.
type Measure struct {
	Name     string
	Delta2   uint64
	Permille uint64
}

// The measures of a release. Each table is a partition (every employee in
// at most one key), so one employee moves a count family by at most 1 and
// a sessions family by at most SessionCap; themes, observations and
// programmes may put one employee in several keys, hence their larger
// sensitivities.
var (
	mTotalParticipants = Measure{"total.participants", 1, 100}
	mTotalSessions     = Measure{"total.sessions", SessionCap * SessionCap, 60}
	mTotalSatSum       = Measure{"total.satisfaction_sum", (satHi - satMid) * (satHi - satMid), 30}
	mTotalSatCount     = Measure{"total.satisfaction_count", 1, 20}
	mTotalWHO5Sum      = Measure{"total.who5_sum", (who5Hi - who5Mid) * (who5Hi - who5Mid), 30}
	mTotalWHO5Count    = Measure{"total.who5_count", 1, 20}
	mDeptParticipants  = Measure{"department.participants", 1, 140}
	mDeptSessions      = Measure{"department.sessions", SessionCap * SessionCap, 80}
	mDeptSatSum        = Measure{"department.satisfaction_sum", (satHi - satMid) * (satHi - satMid), 30}
	mDeptSatCount      = Measure{"department.satisfaction_count", 1, 20}
	mDeptWHO5Sum       = Measure{"department.who5_sum", (who5Hi - who5Mid) * (who5Hi - who5Mid), 30}
	mDeptWHO5Count     = Measure{"department.who5_count", 1, 20}
	mAgeParticipants   = Measure{"age_band.participants", 1, 60}
	mAgeSessions       = Measure{"age_band.sessions", SessionCap * SessionCap, 30}
	mTenParticipants   = Measure{"tenure_band.participants", 1, 60}
	mTenSessions       = Measure{"tenure_band.sessions", SessionCap * SessionCap, 30}
	mThemes            = Measure{"theme.participants", ThemeCap, 100}
	mRisk              = Measure{"risk.participants", 1, 50}
	mObservations      = Measure{"observation.participants", ObservationCap, 50}
	mProgJoined        = Measure{"programme.joined", ProgrammeCap, 20}
	mProgHeld          = Measure{"programme.held", ProgrammeCap, 20}
)

// Measures lists every measure of a release, for the docs and the test
// that the shares add up to the whole budget.
func Measures() []Measure {
	return []Measure{mTotalParticipants, mTotalSessions, mTotalSatSum, mTotalSatCount, mTotalWHO5Sum, mTotalWHO5Count,
		mDeptParticipants, mDeptSessions, mDeptSatSum, mDeptSatCount, mDeptWHO5Sum, mDeptWHO5Count,
		mAgeParticipants, mAgeSessions, mTenParticipants, mTenSessions, mThemes, mRisk, mObservations, mProgJoined, mProgHeld}
}

// Sigma2 is the measure's noise variance as an exact fraction:
// σ² = Δ²/(2ρₘ) with ρₘ = ρ·permille/1000.
func (m Measure) Sigma2() (num, den uint64) {
	return m.Delta2 * 1000 * RhoDen, 2 * m.Permille * RhoNum
}

// Sigma is the measure's noise standard deviation, for the page's "± about".
func (m Measure) Sigma() float64 {
	n, d := m.Sigma2()
	return math.Sqrt(float64(n) / float64(d))
}

// Rho is the measure's share of the budget.
func (m Measure) Rho() float64 {
	n, d := m.Sigma2()
	return dp.Rho(math.Sqrt(float64(m.Delta2)), float64(n)/float64(d))
}

// Privacy is the guarantee stated on the report page and in the docs.
type Privacy struct {
	RhoMonth     float64 `json:"rho_month"`
	RhoYear      float64 `json:"rho_year"`
	Delta        float64 `json:"delta"`
	EpsilonMonth float64 `json:"epsilon_month"`
	EpsilonYear  float64 `json:"epsilon_year"`
}

// Guarantee is the (ε, δ) one month's release and a year of releases
// give any one employee.
func Guarantee() Privacy {
	rho := float64(RhoNum) / float64(RhoDen)
	round := func(f float64) float64 { return math.Round(f*100) / 100 }
	return Privacy{RhoMonth: rho, RhoYear: 12 * rho, Delta: Delta,
		EpsilonMonth: round(dp.Epsilon(rho, Delta)), EpsilonYear: round(dp.Epsilon(12*rho, Delta))}
}

// Noise draws the noise added to one released number, with variance
// num/den. It is drawn once, at release; reading never draws.
type Noise interface {
	Draw(num, den uint64) int64
}

// gaussian is the product's noise: the exact discrete Gaussian.
type gaussian struct {
	src   dp.Source
	cache map[[2]uint64]*dp.Gaussian
}

// GaussianNoise draws exact discrete Gaussian noise from src (the product
// uses dp.CryptoSource(); tests may seed one). One value is for one
// goroutine.
func GaussianNoise(src dp.Source) Noise {
	return &gaussian{src: src, cache: map[[2]uint64]*dp.Gaussian{}}
}

func (g *gaussian) Draw(num, den uint64) int64 {
	k := [2]uint64{num, den}
	s, ok := g.cache[k]
	if !ok {
		var err error
		if s, err = dp.NewGaussian(num, den); err != nil {
			panic(err) // the measures' variances are positive constants
		}
		g.cache[k] = s
	}
	return s.Sample(g.src)
}

// UnsafeNoNoise adds nothing. It exists only so that privacy tests can
// show that their attacks succeed on the unprotected mechanism; the
// product never uses it.
type UnsafeNoNoise struct{}

// Draw is always 0.
func (UnsafeNoNoise) Draw(uint64, uint64) int64 { return 0 }
