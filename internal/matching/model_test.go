package matching_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/matching"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func uniform(v int8) (a [10]int8) {
	for i := range a {
		a[i] = v
	}
	return a
}

// base is a candidate that passes every constraint of seeker().
func base() matching.Candidate {
	return matching.Candidate{ID: uuid.New(), Verified: true, Themes: 1, Gender: "female", AgeBand: "40s",
		Languages: 1, Formats: 1, Years: 10, NextAvailable: t0.Add(48 * time.Hour), VerifiedAt: t0.AddDate(-2, 0, 0),
		HasFit: true, Values: uniform(3), Style: [3]int8{3, 3, 3}}
}

func seeker() matching.Seeker {
	return matching.Seeker{ID: uuid.New(), Theme: "career", Values: uniform(3), Style: [3]int8{3, 3, 3}}
}

func TestViolationNamesTheBrokenHardConstraint(t *testing.T) {
	t.Parallel()
	en := uint32(1 << slices.Index(counselor.Languages, "en"))
	cases := []struct {
		name string
		seek func(*matching.Seeker)
		cand func(*matching.Candidate)
		want string
	}{
		{"passes", nil, nil, ""},
		{"not verified", nil, func(c *matching.Candidate) { c.Verified = false }, "verified"},
		{"theme not allowed", nil, func(c *matching.Candidate) { c.Themes = 2 }, "theme"},
		{"gender", func(s *matching.Seeker) { s.Gender = "male" }, nil, "gender"},
		{"language", func(s *matching.Seeker) { s.Languages = en }, nil, "languages"},
		{"one of the languages is enough", func(s *matching.Seeker) { s.Languages = en | 1 }, nil, ""},
		{"format", func(s *matching.Seeker) { s.Formats = 4 }, nil, "formats"},
		{"no free slot", nil, func(c *matching.Candidate) { c.NextAvailable = time.Time{} }, "availability"},
		{"slot in the past", nil, func(c *matching.Candidate) { c.NextAvailable = t0.Add(-time.Minute) }, "availability"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, k := seeker(), base()
			if c.seek != nil {
				c.seek(&s)
			}
			if c.cand != nil {
				c.cand(&k)
			}
			if got := matching.Violation(&s, &k, t0); got != c.want {
				t.Fatalf("Violation = %q, want %q", got, c.want)
			}
		})
	}
	s, k := seeker(), base()
	s.Dismissed = []matching.Dismissal{{Counselor: k, Reason: "other"}}
	if got := matching.Violation(&s, &k, t0); got != "dismissed" {
		t.Fatalf("dismissed counsellor: %q", got)
	}
}

func TestBayesianRatingPrefersManyGoodRatingsOverTwoPerfectOnes(t *testing.T) {
	t.Parallel()
	two, fifty := matching.BayesianRating(5, 2), matching.BayesianRating(4.8, 50)
	if !(fifty > two) {
		t.Fatalf("fifty 4.8s = %.3f, two 5s = %.3f; want fifty ahead", fifty, two)
	}
	if got := matching.BayesianRating(3, 0); got != matching.RatingPrior {
		t.Fatalf("no ratings = %v, want the prior", got)
	}
}

// termValue is the value of the named term in sc.
func termValue(sc matching.Scored, name string) (float64, bool) {
	for _, t := range sc.Terms {
		if t.Name == name {
			return t.Value, true
		}
	}
	return 0, false
}

func TestScoreTerms(t *testing.T) {
	t.Parallel()
	opt := matching.DefaultOptions(t0)
	opt.Fairness = false
	cases := []struct {
		name  string
		seek  func(*matching.Seeker)
		cand  func(*matching.Candidate)
		term  string
		value float64
	}{
		{"identical values", nil, nil, "values", 1},
		{"opposite values", func(s *matching.Seeker) { s.Values = uniform(1) }, func(c *matching.Candidate) { c.Values = uniform(5) }, "values", 0},
		{"unanswered counsellor is neutral", nil, func(c *matching.Candidate) { c.HasFit = false }, "values", 0.5},
		{"style two apart on one item", nil, func(c *matching.Candidate) { c.Style[0] = 5 }, "style", 1 - 2.0/12},
		{"industry with 15 years", func(s *matching.Seeker) { s.Industries = 1 }, func(c *matching.Candidate) { c.Industries, c.Years = 1, 15 }, "industry", 1},
		{"industry with no years", func(s *matching.Seeker) { s.Industries = 1 }, func(c *matching.Candidate) { c.Industries, c.Years = 1, 0 }, "industry", 0.5},
		{"other industry", func(s *matching.Seeker) { s.Industries = 1 }, func(c *matching.Candidate) { c.Industries = 2 }, "industry", 0},
		{"preferred age band", func(s *matching.Seeker) { s.AgeBands = 1 << 2 }, nil, "age_band", 1},
		{"adjacent age band", func(s *matching.Seeker) { s.AgeBands = 1 << 1 }, nil, "age_band", 0.4},
		{"evening wanted and offered", func(s *matching.Seeker) { s.TimeOfDay = 4 }, func(c *matching.Candidate) { c.TimeOfDay = 6 }, "time_of_day", 1},
		{"evening wanted, mornings only", func(s *matching.Seeker) { s.TimeOfDay = 4 }, func(c *matching.Candidate) { c.TimeOfDay = 1 }, "time_of_day", 0},
		{"slot in 7 days", nil, func(c *matching.Candidate) { c.NextAvailable = t0.Add(7 * 24 * time.Hour) }, "soonness", math.Exp(-1)},
		{"no ratings: prior", nil, nil, "rating", 0.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, k := seeker(), base()
			if c.seek != nil {
				c.seek(&s)
			}
			if c.cand != nil {
				c.cand(&k)
			}
			sc := matching.Score(&s, &k, matching.DefaultWeights, 0, opt)
			got, ok := termValue(sc, c.term)
			if !ok || math.Abs(got-c.value) > 1e-9 {
				t.Fatalf("%s = %v (present %v), want %v", c.term, got, ok, c.value)
			}
			sum := 0.0
			for _, tm := range sc.Terms {
				sum += tm.Contribution
				if math.Abs(tm.Contribution-tm.Weight*tm.Value) > 1e-9 {
					t.Fatalf("term %s: contribution %v ≠ weight × value", tm.Name, tm.Contribution)
				}
			}
			if math.Abs(sum-sc.Score) > 1e-9 {
				t.Fatalf("terms add to %v, score %v", sum, sc.Score)
			}
		})
	}
}

func TestAPerfectFitOnEverythingAskedScoresAHundred(t *testing.T) {
	t.Parallel()
	opt := matching.DefaultOptions(t0)
	opt.Fairness = false
	s, k := seeker(), base()
	s.Industries, k.Industries, k.Years = 1, 1, 20
	k.RatingAvg, k.RatingCount = 5, 100000
	k.NextAvailable = t0.Add(time.Nanosecond)
	if sc := matching.Score(&s, &k, matching.DefaultWeights, 0, opt); math.Abs(sc.Score-100) > 0.01 {
		t.Fatalf("score = %v, want 100", sc.Score)
	}
}

func TestDismissalReasonsPenaliseSimilarCounsellors(t *testing.T) {
	t.Parallel()
	opt := matching.DefaultOptions(t0)
	opt.Fairness = false
	gone := base()
	gone.Style = [3]int8{1, 1, 1}
	cases := []struct {
		reason  string
		similar func(*matching.Candidate)
		other   func(*matching.Candidate)
	}{
		{"style", func(c *matching.Candidate) { c.Style = [3]int8{1, 1, 2} }, func(c *matching.Candidate) { c.Style = [3]int8{5, 5, 4} }},
		{"gender", func(c *matching.Candidate) { c.Gender = "female" }, func(c *matching.Candidate) { c.Gender = "male" }},
		{"age", func(c *matching.Candidate) { c.AgeBand = "40s" }, func(c *matching.Candidate) { c.AgeBand = "20s" }},
	}
	for _, c := range cases {
		t.Run(c.reason, func(t *testing.T) {
			s := seeker()
			s.Dismissed = []matching.Dismissal{{Counselor: gone, Reason: c.reason}}
			sim, oth := base(), base()
			c.similar(&sim)
			c.other(&oth)
			ps, _ := termValue(matching.Score(&s, &sim, matching.DefaultWeights, 0, opt), "dismissed")
			po, _ := termValue(matching.Score(&s, &oth, matching.DefaultWeights, 0, opt), "dismissed")
			if !(ps > po) {
				t.Fatalf("penalty similar %v, other %v: want the similar one penalised more", ps, po)
			}
		})
	}
}

// randomPool is a pool where every attribute is random, hard ones included.
func randomPool(r *rand.Rand, n int) []matching.Candidate {
	out := make([]matching.Candidate, n)
	for i := range out {
		c := &out[i]
		c.ID = uuid.New()
		c.Verified = r.IntN(4) > 0
		c.Themes = r.Uint32() & (1<<len(counselor.Themes) - 1)
		c.Gender = []string{"female", "male", "undisclosed", ""}[r.IntN(4)]
		c.AgeBand = counselor.AgeBands[r.IntN(6)]
		c.Languages, c.Formats = r.Uint32()&7, r.Uint32()&7
		c.Industries, c.JobFunctions, c.TimeOfDay = r.Uint32()&255, r.Uint32()&127, r.Uint32()&7
		c.Years, c.RatingCount, c.RatingAvg = r.IntN(40), r.IntN(50), 1+4*r.Float64()
		if r.IntN(5) > 0 {
			c.NextAvailable = t0.Add(time.Duration(r.IntN(60*24)-24) * time.Hour)
		}
		c.VerifiedAt = t0.AddDate(0, 0, -r.IntN(400))
		c.HasFit = r.IntN(5) > 0
		for k := range c.Values {
			c.Values[k] = int8(1 + r.IntN(5))
		}
		for k := range c.Style {
			c.Style[k] = int8(1 + r.IntN(5))
		}
		c.Exposure = float64(r.IntN(30))
	}
	return out
}

func TestRankNeverReturnsAHardConstraintViolationOnRandomPools(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		pool := randomPool(r, 10+r.IntN(200))
		s := seeker()
		s.Theme = counselor.Themes[r.IntN(len(counselor.Themes))]
		s.Gender = []string{"", "female", "male"}[r.IntN(3)]
		s.Languages, s.Formats = r.Uint32()&3, r.Uint32()&7
		s.Industries, s.AgeBands, s.TimeOfDay = r.Uint32()&3, r.Uint32()&63, r.Uint32()&7
		for range r.IntN(3) {
			s.Dismissed = append(s.Dismissed, matching.Dismissal{Counselor: pool[r.IntN(len(pool))], Reason: matching.DismissReasons[r.IntN(7)]})
		}
		opt := matching.DefaultOptions(t0)
		opt.Diversity, opt.Fairness = r.IntN(2) == 0, r.IntN(2) == 0
		list := matching.Rank(&s, pool, opt)
		eligible := 0
		for i := range pool {
			if independentViolation(&s, &pool[i]) == "" {
				eligible++
			}
		}
		if len(list) != min(10, eligible) {
			t.Fatalf("round %d: %d returned, %d eligible", round, len(list), eligible)
		}
		seen := map[uuid.UUID]bool{}
		for _, sc := range list {
			if v := independentViolation(&s, sc.Candidate); v != "" {
				t.Fatalf("round %d: returned a counsellor breaking %s", round, v)
			}
			if seen[sc.Candidate.ID] {
				t.Fatalf("round %d: a counsellor twice", round)
			}
			seen[sc.Candidate.ID] = true
			if sc.Score < 0 || sc.Score > 100 {
				t.Fatalf("round %d: score %v", round, sc.Score)
			}
		}
	}
}

// independentViolation restates the hard constraints from the codes,
// apart from the model's own check.
func independentViolation(s *matching.Seeker, c *matching.Candidate) string {
	ti := slices.Index(counselor.Themes, s.Theme)
	switch {
	case !c.Verified:
		return "verified"
	case c.Themes>>ti&1 == 0:
		return "theme"
	case s.Gender != "" && s.Gender != c.Gender:
		return "gender"
	case s.Languages != 0 && s.Languages&c.Languages == 0:
		return "languages"
	case s.Formats != 0 && s.Formats&c.Formats == 0:
		return "formats"
	case c.NextAvailable.IsZero() || !c.NextAvailable.After(t0):
		return "availability"
	}
	for _, d := range s.Dismissed {
		if d.Counselor.ID == c.ID {
			return "dismissed"
		}
	}
	return ""
}

func TestDiversityReRankingLowersIntraListSimilarity(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	var with, without float64
	for range 50 {
		pool := randomPool(r, 300)
		for i := range pool {
			pool[i].Verified, pool[i].Themes, pool[i].NextAvailable = true, 1, t0.Add(time.Duration(1+r.IntN(500))*time.Hour)
		}
		s := seeker()
		opt := matching.DefaultOptions(t0)
		with += matching.IntraListSimilarity(matching.Rank(&s, pool, opt))
		opt.Diversity = false
		without += matching.IntraListSimilarity(matching.Rank(&s, pool, opt))
	}
	if !(with < without) {
		t.Fatalf("intra-list similarity with re-ranking %.3f, without %.3f: want lower with", with/50, without/50)
	}
}
