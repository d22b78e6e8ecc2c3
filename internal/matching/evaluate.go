package matching

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
)

// The offline evaluation: a synthetic counsellor pool and employee
// population with planted true preferences, ranked by the production model
// (Rank) under each configuration, measured against the planted truth.

// EvalConfig sizes the synthetic world.
type EvalConfig struct {
	Counselors int
	Employees  int
	Seed       uint64
}

// EvalRow is one configuration's figures.
type EvalRow struct {
	Name       string
	Diversity  bool
	Fairness   bool
	NDCG10     float64 // mean NDCG@10 against the planted truth
	Violations float64 // share of returned counsellors breaking a hard constraint
	Gini       float64 // exposure Gini across the pool's listed counsellors
	TopShare   float64 // share of all recommendations taken by the 5% most shown
	Coverage   float64 // share of listed counsellors recommended at least once
	IntraSim   float64 // mean intra-list similarity
	MeanLen    float64 // mean list length
}

// synthCounselor is a pool member as raw codes (what the independent
// constraint check reads) plus what only the truth knows.
type synthCounselor struct {
	cand     Candidate
	status   string
	themes   []string
	gender   string
	langs    []string
	formats  []string
	quality  float64 // true session quality, 0–1; ratings are noisy draws of it
	trueVals [10]float64
	trueSty  [3]float64
}

// synthEmployee is a population member: noisy answers and the truth.
type synthEmployee struct {
	seeker    Seeker
	trueVals  [10]float64
	trueSty   [3]float64
	careInd   bool // really wants industry experience
	careAge   bool
	careSoon  float64
	hardG     string
	hardLangs []string
	hardFmts  []string
}

var evalArchetypes = [][10]float64{
	{4, 5, 3, 5, 3, 2, 2, 1, 3, 3},
	{2, 2, 3, 3, 2, 5, 4, 4, 4, 3},
	{3, 2, 3, 2, 1, 3, 3, 3, 5, 5},
	{5, 4, 4, 3, 2, 2, 1, 1, 3, 4},
	{3, 2, 2, 4, 3, 4, 5, 3, 4, 4},
	{2, 3, 5, 2, 2, 3, 2, 2, 4, 3},
}

func clampAnswer(x float64) int8 { return int8(math.Max(1, math.Min(5, math.Round(x)))) }

// drawVector draws a true vector around an archetype and its noisy answers.
func drawVector(r *rand.Rand, spread, answerNoise float64) (truth [10]float64, answers [10]int8) {
	a := evalArchetypes[r.IntN(len(evalArchetypes))]
	for i := range a {
		truth[i] = math.Max(1, math.Min(5, a[i]+r.NormFloat64()*spread))
		answers[i] = clampAnswer(truth[i] + r.NormFloat64()*answerNoise)
	}
	return truth, answers
}

func drawStyle(r *rand.Rand, answerNoise float64) (truth [3]float64, answers [3]int8) {
	for i := range truth {
		truth[i] = 1 + 4*r.Float64()
		answers[i] = clampAnswer(truth[i] + r.NormFloat64()*answerNoise)
	}
	return truth, answers
}

func subset(r *rand.Rand, codes []string, p float64, atLeast string) []string {
	var out []string
	for _, c := range codes {
		if c == atLeast || r.Float64() < p {
			out = append(out, c)
		}
	}
	return out
}

func newSynthCounselor(r *rand.Rand, now time.Time) synthCounselor {
	c := synthCounselor{status: "verified", quality: r.Float64()}
	if r.IntN(40) == 0 {
		c.status = []string{"pending", "suspended"}[r.IntN(2)]
	}
	c.gender = []string{"female", "male"}[r.IntN(2)]
	if r.IntN(25) == 0 {
		c.gender = "undisclosed"
	}
	c.langs = []string{"ja"}
	if r.IntN(5) == 0 {
		c.langs = append(c.langs, "en")
	}
	if r.IntN(20) == 0 {
		c.langs = append(c.langs, counselor.Languages[2+r.IntN(len(counselor.Languages)-2)])
	}
	c.formats = subset(r, counselor.Formats, 0.45, counselor.Formats[r.IntN(3)])
	c.themes = subset(r, counselor.Themes, 0.35, counselor.Themes[r.IntN(len(counselor.Themes))])
	var answers [10]int8
	c.trueVals, answers = drawVector(r, 0.7, 0.4)
	var sty [3]int8
	c.trueSty, sty = drawStyle(r, 0.4)
	k := &c.cand
	k.ID = uuid.New()
	k.Verified = c.status == "verified"
	k.Themes = bitsOf(counselor.Themes, c.themes)
	k.Gender = c.gender
	k.AgeBand = counselor.AgeBands[r.IntN(5)]
	k.Languages, k.Formats = bitsOf(counselor.Languages, c.langs), bitsOf(counselor.Formats, c.formats)
	k.Industries = bitsOf(counselor.Industries, subset(r, counselor.Industries, 0.15, counselor.Industries[r.IntN(8)]))
	k.JobFunctions = bitsOf(counselor.JobFunctions, subset(r, counselor.JobFunctions, 0.2, ""))
	k.TimeOfDay = uint32(1 + r.IntN(7))
	k.Years = 1 + r.IntN(30)
	if n := r.IntN(60) - 10; n > 0 {
		k.RatingCount = n
		sum := 0.0
		for range n {
			sum += math.Max(1, math.Min(5, math.Round(3+2*c.quality+r.NormFloat64()*0.8)))
		}
		k.RatingAvg = sum / float64(n)
	}
	if r.IntN(12) > 0 {
		k.NextAvailable = now.Add(time.Duration(1+r.IntN(30*24)) * time.Hour)
	}
	ago := 60 + r.IntN(1500)
	if r.IntN(20) == 0 {
		ago = r.IntN(60)
	}
	k.VerifiedAt = now.AddDate(0, 0, -ago)
	k.HasFit = r.IntN(10) > 0
	k.Values, k.Style = answers, sty
	return c
}

func newSynthEmployee(r *rand.Rand) synthEmployee {
	e := synthEmployee{}
	var vals [10]int8
	e.trueVals, vals = drawVector(r, 0.8, 0.7)
	var sty [3]int8
	e.trueSty, sty = drawStyle(r, 0.8)
	s := &e.seeker
	s.ID, s.Values, s.Style = uuid.New(), vals, sty
	s.Theme = []string{"career", "career", "relationships", "engagement", "work_life", "mental_health", "onboarding"}[r.IntN(7)]
	if r.IntN(5) == 0 {
		e.hardG = []string{"female", "male"}[r.IntN(2)]
	}
	if r.IntN(12) == 0 {
		e.hardLangs = []string{"en"}
	}
	if r.IntN(6) == 0 {
		e.hardFmts = []string{counselor.Formats[r.IntN(3)]}
	}
	s.Gender, s.Languages, s.Formats = e.hardG, bitsOf(counselor.Languages, e.hardLangs), bitsOf(counselor.Formats, e.hardFmts)
	if r.IntN(3) > 0 {
		e.careInd = true
		s.Industries = 1 << r.IntN(8)
	}
	if r.IntN(3) == 0 {
		e.careAge = true
		s.AgeBands = 1 << (1 + r.IntN(3))
	}
	e.careSoon = r.Float64()
	return e
}

// truth is the planted utility of c for e (what the employee would really
// feel after a session): closeness of the *true* values and style, whether
// experience matches what they really want, true quality and how soon.
func (e *synthEmployee) truth(c *synthCounselor, now time.Time) float64 {
	dv, ds := 0.0, 0.0
	for i := range e.trueVals {
		dv += math.Abs(e.trueVals[i] - c.trueVals[i])
	}
	for i := range e.trueSty {
		ds += math.Abs(e.trueSty[i] - c.trueSty[i])
	}
	u := 0.4*(1-dv/40) + 0.2*(1-ds/12) + 0.15*c.quality
	if e.careInd && c.cand.Industries&e.seeker.Industries != 0 {
		u += 0.12
	}
	if e.careAge && c.cand.AgeBand != "" && e.seeker.AgeBands&bit(counselor.AgeBands, c.cand.AgeBand) != 0 {
		u += 0.05
	}
	days := c.cand.NextAvailable.Sub(now).Hours() / 24
	return u + 0.08*e.careSoon*math.Exp(-days/7)
}

// breaks is the evaluation's own hard-constraint check, on the raw codes
// (independent of the model's Violation).
func (e *synthEmployee) breaks(c *synthCounselor, now time.Time) bool {
	anyOf := func(want, have []string) bool {
		if len(want) == 0 {
			return true
		}
		for _, w := range want {
			if slices.Contains(have, w) {
				return true
			}
		}
		return false
	}
	return c.status != "verified" || !slices.Contains(c.themes, e.seeker.Theme) ||
		(e.hardG != "" && c.gender != e.hardG) || !anyOf(e.hardLangs, c.langs) || !anyOf(e.hardFmts, c.formats) ||
		!c.cand.NextAvailable.After(now)
}

// Evaluate builds the synthetic world and measures the four
// configurations (diversity and fairness each on and off). Employees are
// served in turn and each served list adds to the counsellors' exposure,
// as counselor_match.exposure does in production.
func Evaluate(cfg EvalConfig, now time.Time) []EvalRow {
	configs := []EvalRow{
		{Name: "production (diversity + fairness)", Diversity: true, Fairness: true},
		{Name: "diversity off", Diversity: false, Fairness: true},
		{Name: "fairness off", Diversity: true, Fairness: false},
		{Name: "both off (score only)", Diversity: false, Fairness: false},
	}
	for i := range configs {
		r := rand.New(rand.NewPCG(cfg.Seed, 1))
		pool := make([]synthCounselor, cfg.Counselors)
		for j := range pool {
			pool[j] = newSynthCounselor(r, now)
		}
		emps := make([]synthEmployee, cfg.Employees)
		for j := range emps {
			emps[j] = newSynthEmployee(r)
		}
		evaluateConfig(&configs[i], pool, emps, now)
	}
	return configs
}

func evaluateConfig(row *EvalRow, pool []synthCounselor, emps []synthEmployee, now time.Time) {
	byID := make(map[uuid.UUID]int, len(pool))
	cands := make([]Candidate, len(pool))
	for i := range pool {
		byID[pool[i].cand.ID] = i
		cands[i] = pool[i].cand
	}
	opt := Options{Now: now, Limit: MaxRecommendations, Weights: DefaultWeights, Diversity: row.Diversity, Fairness: row.Fairness}
	shown := make([]float64, len(pool))
	var ndcg, intra, lengths float64
	var returned, violations, lists int
	utils := make([]float64, 0, len(pool))
	for ei := range emps {
		e := &emps[ei]
		list := Rank(&e.seeker, cands, opt)
		utils = utils[:0]
		for j := range pool {
			if !e.breaks(&pool[j], now) {
				utils = append(utils, e.truth(&pool[j], now))
			}
		}
		if len(utils) == 0 {
			continue
		}
		slices.SortFunc(utils, func(a, b float64) int { return cmpDesc(a, b) })
		grade := func(u float64) float64 { // 3 for the true top 10, 2 next 20, 1 next 40
			for k, cut := range []int{10, 30, 70} {
				if cut > len(utils) || u >= utils[cut-1] {
					return float64(3 - k)
				}
			}
			return 0
		}
		dcg, idcg := 0.0, 0.0
		for k, sc := range list {
			c := &pool[byID[sc.Candidate.ID]]
			returned++
			shown[byID[sc.Candidate.ID]]++
			cands[byID[sc.Candidate.ID]].Exposure++
			if e.breaks(c, now) {
				violations++
			}
			dcg += (math.Pow(2, grade(e.truth(c, now))) - 1) / math.Log2(float64(k+2))
		}
		for k := range min(10, len(utils)) {
			idcg += (math.Pow(2, grade(utils[k])) - 1) / math.Log2(float64(k+2))
		}
		if idcg > 0 {
			ndcg += dcg / idcg
		}
		intra += IntraListSimilarity(list)
		lengths += float64(len(list))
		lists++
	}
	var listed []float64
	for i := range pool {
		if pool[i].status == "verified" {
			listed = append(listed, shown[i])
		}
	}
	row.NDCG10 = ndcg / float64(lists)
	row.IntraSim = intra / float64(lists)
	row.MeanLen = lengths / float64(lists)
	if returned > 0 {
		row.Violations = float64(violations) / float64(returned)
	}
	row.Gini, row.TopShare, row.Coverage = exposureStats(listed)
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// exposureStats are the Gini coefficient of counts, the share of the total
// held by the top 5% and the share of members with a count above zero.
func exposureStats(counts []float64) (gini, top, coverage float64) {
	n := len(counts)
	if n == 0 {
		return 0, 0, 0
	}
	sorted := slices.Clone(counts)
	slices.Sort(sorted)
	total, weighted, nonzero := 0.0, 0.0, 0
	for i, x := range sorted {
		total += x
		weighted += float64(i+1) * x
		if x > 0 {
			nonzero++
		}
	}
	if total == 0 {
		return 0, 0, 0
	}
	gini = 2*weighted/(float64(n)*total) - float64(n+1)/float64(n)
	k := max(1, n/20)
	topSum := 0.0
	for _, x := range sorted[n-k:] {
		topSum += x
	}
	return gini, topSum / total, float64(nonzero) / float64(n)
}

// EvalTable renders rows as a fixed-width table.
func EvalTable(rows []EvalRow) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-36s %8s %10s %7s %9s %9s %9s %7s\n", "configuration", "NDCG@10", "violations", "Gini", "top5%", "coverage", "intraSim", "len")
	for _, r := range rows {
		fmt.Fprintf(&b, "%-36s %8.3f %10.4f %7.3f %9.3f %9.3f %9.3f %7.2f\n",
			r.Name, r.NDCG10, r.Violations, r.Gini, r.TopShare, r.Coverage, r.IntraSim, r.MeanLen)
	}
	return b.String()
}
