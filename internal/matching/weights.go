package matching

import "time"

// Weights is the one table of the model's weights, mirrored in
// docs/matching.md. Positive terms share 100 score points among the terms
// that apply to the employee (a term whose input the employee left empty,
// e.g. no preferred age band, drops out and the rest are scaled up), so a
// perfect fit on everything the employee asked for scores 100. Penalties
// and the tie-break are in score points, after that scaling.
type Weights struct {
	Values      float64 // values similarity (ten items)
	Style       float64 // conversational style fit (three items)
	Industry    float64 // experience in the employee's industries, more with years
	JobFunction float64 // experience with the employee's job functions
	AgeBand     float64 // counsellor in a preferred age band (adjacent: partly)
	TimeOfDay   float64 // weekly hours in a preferred time of day
	Rating      float64 // Bayesian average rating
	Soonness    float64 // how soon the next free slot is
	Newcomer    float64 // recently verified: exposure for new counsellors (fairness)

	Exposure  float64 // penalty points at most, for being recommended far above the pool's mean (fairness)
	Dismissed float64 // penalty points at most, for resembling a counsellor the employee said "not for me" to
	TieBreak  float64 // points of a deterministic per-employee jitter that spreads near-ties (fairness)
}

// DefaultWeights are the production weights; see docs/matching.md for why.
var DefaultWeights = Weights{
	Values:      30,
	Style:       15,
	Industry:    12,
	JobFunction: 5,
	AgeBand:     5,
	TimeOfDay:   5,
	Rating:      10,
	Soonness:    12,
	Newcomer:    6,

	Exposure:  8,
	Dismissed: 20,
	TieBreak:  1.5,
}

// The model's other constants, documented with the weights.
const (
	// RatingPrior and RatingPriorCount make the Bayesian average: a
	// counsellor's mean is pulled towards RatingPrior as if they had
	// RatingPriorCount extra ratings of that value.
	RatingPrior      = 4.0
	RatingPriorCount = 10.0
	// SoonnessDays is the scale of the soonness decay: exp(-days/SoonnessDays).
	SoonnessDays = 7.0
	// IndustryYears is the years of experience at which industry experience
	// counts fully (half of the term is for the match itself).
	IndustryYears = 15.0
	// NewcomerDays is how long after verification the newcomer boost lasts,
	// fading linearly.
	NewcomerDays = 60
	// ExposureHalfLife is the half-life of the served-recommendations counter.
	ExposureHalfLife = 7 * 24 * time.Hour
	// ExposureRatioCap: the exposure penalty is full at this multiple of the
	// mean exposure above the mean.
	ExposureRatioCap = 3.0
	// ExposurePseudo is added to a counsellor's and the mean exposure
	// before comparing them, so a handful of requests on a quiet day does
	// not push whole lists around.
	ExposurePseudo = 5.0
	// DiversityLambda trades score for novelty in the re-ranking (1 = off).
	DiversityLambda = 0.75
	// DiversityPool is how many of the best scored candidates the
	// re-ranking chooses ten from.
	DiversityPool = 60
)

// dismissShift is how one coded "not for me" shifts that employee's
// weights: the factor a term's weight is multiplied by per dismissal with
// that reason (capped at twice the weight).
var dismissShift = map[string]struct {
	term   string
	factor float64
}{
	"style":        {"style", 1.5},
	"values":       {"values", 1.3},
	"experience":   {"industry", 1.5},
	"availability": {"soonness", 1.5},
}
