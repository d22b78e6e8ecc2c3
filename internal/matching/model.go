package matching

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
)

// Seeker is the model's view of an employee asking for recommendations.
type Seeker struct {
	ID     uuid.UUID // for the deterministic tie-break only
	Values [10]int8  // ValueItems order, 1–5
	Style  [3]int8   // StyleItems order, 1–5
	Theme  string
	// Hard preferences: "" / 0 mean any.
	Gender    string // female | male
	Languages uint32 // bits of counselor.Languages: the counsellor speaks one
	Formats   uint32 // bits of counselor.Formats: the counsellor offers one
	// Soft preferences: 0 means none stated.
	AgeBands     uint32 // bits of counselor.AgeBands
	Industries   uint32 // bits of counselor.Industries
	JobFunctions uint32 // bits of counselor.JobFunctions
	TimeOfDay    uint32 // bits of TimesOfDay
	// Dismissed are the counsellors this employee said "not for me" to.
	Dismissed []Dismissal
}

// Dismissal is one "not for me": the counsellor as they were and the reason.
type Dismissal struct {
	Counselor Candidate
	Reason    string
}

// Candidate is the model's view of a counsellor.
type Candidate struct {
	ID       uuid.UUID
	Verified bool   // status verified with a valid credential (listed)
	Themes   uint32 // bits of counselor.Themes a valid credential allows today
	Gender   string
	AgeBand  string
	// Bits of counselor.Languages, Formats, Industries, JobFunctions.
	Languages, Formats, Industries, JobFunctions uint32
	TimeOfDay                                    uint32 // bits of TimesOfDay covered by weekly hours
	Years                                        int
	RatingAvg                                    float64
	RatingCount                                  int
	NextAvailable                                time.Time // zero: no free slot
	VerifiedAt                                   time.Time
	HasFit                                       bool // answered the values and style items
	Values                                       [10]int8
	Style                                        [3]int8
	Exposure                                     float64 // decayed count of recent recommendations
}

// Options tune Rank; the zero value is not useful, start from DefaultOptions.
type Options struct {
	Now       time.Time
	Limit     int
	Weights   Weights
	Diversity bool // re-rank the best for diversity (MMR)
	Fairness  bool // newcomer boost, exposure penalty and tie-break jitter
}

// DefaultOptions are production's.
func DefaultOptions(now time.Time) Options {
	return Options{Now: now, Limit: MaxRecommendations, Weights: DefaultWeights, Diversity: true, Fairness: true}
}

// Scored is a candidate with its score and the score's breakdown.
type Scored struct {
	Candidate *Candidate
	Score     float64
	Terms     []Term // largest contribution first
}

// bit returns the bit of code in codes (0 when unknown).
func bit(codes []string, code string) uint32 {
	if i := slices.Index(codes, code); i >= 0 {
		return 1 << i
	}
	return 0
}

// bitsOf is the bitmask of values in codes.
func bitsOf(codes, values []string) uint32 {
	var b uint32
	for _, v := range values {
		b |= bit(codes, v)
	}
	return b
}

// Violation names the first hard constraint c breaks for s at now, or ""
// when c may be recommended. Recommend's SQL applies the same rules; Rank
// checks them again so no path returns a violation.
func Violation(s *Seeker, c *Candidate, now time.Time) string {
	switch {
	case !c.Verified:
		return "verified"
	case c.Themes&bit(counselor.Themes, s.Theme) == 0:
		return "theme"
	case s.Gender != "" && c.Gender != s.Gender:
		return "gender"
	case s.Languages != 0 && c.Languages&s.Languages == 0:
		return "languages"
	case s.Formats != 0 && c.Formats&s.Formats == 0:
		return "formats"
	case !c.NextAvailable.After(now):
		return "availability"
	}
	for _, d := range s.Dismissed {
		if d.Counselor.ID == c.ID {
			return "dismissed"
		}
	}
	return ""
}

// similarity is 1 − mean absolute difference / 4 over answered items.
func similarity(a, b []int8) float64 {
	sum := 0
	for i := range a {
		d := int(a[i]) - int(b[i])
		if d < 0 {
			d = -d
		}
		sum += d
	}
	return 1 - float64(sum)/float64(4*len(a))
}

// BayesianRating is the rating pulled towards the prior: two 5-star
// ratings give 4.17, fifty 4.8s give 4.67.
func BayesianRating(avg float64, count int) float64 {
	n := float64(count)
	return (RatingPriorCount*RatingPrior + n*avg) / (RatingPriorCount + n)
}

// ageIndex is the position of an age band, -1 when unknown.
func ageIndex(band string) int { return slices.Index(counselor.AgeBands, band) }

// ageFit is 1 for a preferred band, 0.4 next to one, else 0.
func ageFit(prefs uint32, band string) float64 {
	i := ageIndex(band)
	if i < 0 {
		return 0
	}
	if prefs&(1<<i) != 0 {
		return 1
	}
	if (i > 0 && prefs&(1<<(i-1)) != 0) || prefs&(1<<(i+1)) != 0 {
		return 0.4
	}
	return 0
}

// jitter is a deterministic number in [0, 1) per employee and counsellor.
// It is FNV-1a (64 bits) over a then b, written out: hash/fnv's writer
// cost a call through an interface per byte group for every candidate.
func jitter(a, b uuid.UUID) float64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range a {
		h = (h ^ uint64(c)) * prime
	}
	for _, c := range b {
		h = (h ^ uint64(c)) * prime
	}
	return float64(h>>11) / float64(1<<53)
}

// effectiveWeights applies the employee's coded dismissals to w.
func effectiveWeights(w Weights, s *Seeker) Weights {
	factor := map[string]float64{}
	for _, d := range s.Dismissed {
		if sh, ok := dismissShift[d.Reason]; ok {
			f := factor[sh.term]
			if f == 0 {
				f = 1
			}
			factor[sh.term] = math.Min(2, f*sh.factor)
		}
	}
	apply := func(term string, v *float64) {
		if f, ok := factor[term]; ok {
			*v *= f
		}
	}
	apply("values", &w.Values)
	apply("style", &w.Style)
	apply("industry", &w.Industry)
	apply("industry", &w.JobFunction)
	apply("soonness", &w.Soonness)
	return w
}

// dismissPenalty is how much c resembles what the employee turned down,
// 0–1: the same gender or age band (reasons gender, age), a close style
// or values vector (style, values), or the same counsellor profile shape
// (other reasons, weakly).
func dismissPenalty(s *Seeker, c *Candidate) float64 {
	p := 0.0
	for i := range s.Dismissed {
		d := &s.Dismissed[i]
		var v float64
		switch d.Reason {
		case "gender":
			if c.Gender != "" && c.Gender == d.Counselor.Gender {
				v = 0.6
			}
		case "age":
			if c.AgeBand != "" && c.AgeBand == d.Counselor.AgeBand {
				v = 0.6
			} else if ai, bi := ageIndex(c.AgeBand), ageIndex(d.Counselor.AgeBand); ai >= 0 && bi >= 0 && (ai-bi == 1 || bi-ai == 1) {
				v = 0.2
			}
		case "style":
			if c.HasFit && d.Counselor.HasFit {
				v = math.Max(0, (similarity(c.Style[:], d.Counselor.Style[:])-0.7)/0.3)
			}
		case "values":
			if c.HasFit && d.Counselor.HasFit {
				v = math.Max(0, (similarity(c.Values[:], d.Counselor.Values[:])-0.75)/0.25)
			}
		}
		p = math.Max(p, v)
	}
	return p
}

// termBuf holds one score's terms without allocating.
type termBuf struct {
	t [16]Term
	n int
}

func (b *termBuf) add(t Term) { b.t[b.n] = t; b.n++ }

// Score computes c's score for s with weights w (already shifted by the
// employee's dismissals) and the pool's mean exposure. Terms are returned
// largest contribution first; penalties have negative contributions.
func Score(s *Seeker, c *Candidate, w Weights, meanExposure float64, opt Options) Scored {
	var b termBuf
	out := Scored{Candidate: c, Score: score(s, c, w, meanExposure, opt, &b)}
	out.Terms = slices.Clone(b.t[:b.n])
	slices.SortStableFunc(out.Terms, func(a, b Term) int {
		switch {
		case a.Contribution > b.Contribution:
			return -1
		case a.Contribution < b.Contribution:
			return 1
		}
		return 0
	})
	return out
}

// score is Score's arithmetic; terms go into b.
func score(s *Seeker, c *Candidate, w Weights, meanExposure float64, opt Options, b *termBuf) float64 {
	v := 0.5 // an unanswered counsellor is neither close nor far
	st := 0.5
	if c.HasFit {
		v = similarity(s.Values[:], c.Values[:])
		st = similarity(s.Style[:], c.Style[:])
	}
	b.add(Term{Name: "values", Weight: w.Values, Value: v})
	b.add(Term{Name: "style", Weight: w.Style, Value: st})
	if s.Industries != 0 {
		x := 0.0
		if c.Industries&s.Industries != 0 {
			x = 0.5 + 0.5*math.Min(1, float64(c.Years)/IndustryYears)
		}
		b.add(Term{Name: "industry", Weight: w.Industry, Value: x})
	}
	if s.JobFunctions != 0 {
		x := 0.0
		if c.JobFunctions&s.JobFunctions != 0 {
			x = 1
		}
		b.add(Term{Name: "job_function", Weight: w.JobFunction, Value: x})
	}
	if s.AgeBands != 0 {
		b.add(Term{Name: "age_band", Weight: w.AgeBand, Value: ageFit(s.AgeBands, c.AgeBand)})
	}
	if s.TimeOfDay != 0 {
		x := 0.0
		if c.TimeOfDay&s.TimeOfDay != 0 {
			x = 1
		}
		b.add(Term{Name: "time_of_day", Weight: w.TimeOfDay, Value: x})
	}
	rating := 0.5 // no ratings yet: the prior
	if c.RatingCount > 0 {
		rating = math.Max(0, math.Min(1, (BayesianRating(c.RatingAvg, c.RatingCount)-3)/2))
	}
	b.add(Term{Name: "rating", Weight: w.Rating, Value: rating})
	soon := 0.0
	if c.NextAvailable.After(opt.Now) {
		soon = math.Exp(-c.NextAvailable.Sub(opt.Now).Hours() / 24 / SoonnessDays)
	}
	b.add(Term{Name: "soonness", Weight: w.Soonness, Value: soon})
	if opt.Fairness {
		nv := 0.0
		if !c.VerifiedAt.IsZero() {
			if age := opt.Now.Sub(c.VerifiedAt).Hours() / 24; age >= 0 && age < NewcomerDays {
				nv = 1 - age/NewcomerDays
			}
		}
		b.add(Term{Name: "newcomer", Weight: w.Newcomer, Value: nv})
	}
	// Positive terms share 100 points among those that apply.
	total := 0.0
	for i := range b.n {
		total += b.t[i].Weight
	}
	sum := 0.0
	for i := range b.n {
		t := &b.t[i]
		t.Weight = t.Weight * 100 / total
		t.Contribution = t.Weight * t.Value
		sum += t.Contribution
	}
	if opt.Fairness {
		x := math.Max(0, math.Min(1, ((c.Exposure+ExposurePseudo)/(meanExposure+ExposurePseudo)-1)/ExposureRatioCap))
		b.add(Term{Name: "exposure", Weight: -w.Exposure, Value: x, Contribution: -w.Exposure * x})
		j := jitter(s.ID, c.ID)
		b.add(Term{Name: "tie_break", Weight: w.TieBreak, Value: j, Contribution: w.TieBreak * j})
		sum += w.TieBreak*j - w.Exposure*x
	}
	if len(s.Dismissed) > 0 {
		x := dismissPenalty(s, c)
		b.add(Term{Name: "dismissed", Weight: -w.Dismissed, Value: x, Contribution: -w.Dismissed * x})
		sum -= w.Dismissed * x
	}
	return math.Max(0, math.Min(100, sum))
}

// Rank is the whole model, a pure function: it drops every candidate that
// breaks a hard constraint, scores the rest, takes the best and (with
// opt.Diversity) re-ranks them so the list is not near-duplicates.
// Recommend and the offline evaluation both call it.
func Rank(s *Seeker, cands []Candidate, opt Options) []Scored {
	if opt.Limit <= 0 {
		opt.Limit = MaxRecommendations
	}
	w := effectiveWeights(opt.Weights, s)
	mean := 0.0
	if opt.Fairness && len(cands) > 0 {
		for i := range cands {
			mean += cands[i].Exposure
		}
		mean /= float64(len(cands))
	}
	scored := make([]Scored, 0, len(cands))
	var buf termBuf
	for i := range cands {
		c := &cands[i]
		if Violation(s, c, opt.Now) != "" {
			continue
		}
		buf.n = 0
		scored = append(scored, Scored{Candidate: c, Score: score(s, c, w, mean, opt, &buf)})
	}
	var top []Scored
	if opt.Diversity {
		top = diversify(topK(scored, DiversityPool), opt.Limit, DiversityLambda)
	} else {
		top = topK(scored, opt.Limit)
	}
	for i := range top {
		top[i] = Score(s, top[i].Candidate, w, mean, opt)
	}
	return top
}
