// Package matching turns an employee's fit questionnaire into up to ten
// recommended counsellors for a theme, each with a fit score and the
// plain-language reasons that actually drove it. Hard constraints come
// first and are never traded for score; see docs/matching.md.
package matching

import (
	"time"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// The questionnaire's items (API.md), in their stored order.
var (
	ValueItems = []string{"self_direction", "stimulation", "hedonism", "achievement", "power",
		"security", "conformity", "tradition", "benevolence", "universalism"}
	StyleItems        = []string{"listening_advising", "structured_free", "gentle_challenging"}
	TimesOfDay        = []string{"morning", "daytime", "evening"}
	GenderPreferences = []string{"female", "male", "any"}
	// HardPreferences are the preferences that filter rather than weigh;
	// each may be relaxed for one request.
	HardPreferences = []string{"gender", "languages", "formats"}
	// DismissReasons are the coded reasons for "not for me".
	DismissReasons = []string{"style", "values", "experience", "gender", "age", "availability", "other"}
)

// MaxRecommendations is how many counsellors one request returns at most.
const MaxRecommendations = 10

// Preferences are an employee's wishes. Gender, Languages and Formats, when
// set, are hard filters; the rest weigh in the score.
type Preferences struct {
	Gender     string   `json:"gender"` // female|male|any ("" = any)
	AgeBands   []string `json:"age_bands"`
	Languages  []string `json:"languages"`
	Formats    []string `json:"formats"`
	Industries []string `json:"industries"`
	TimeOfDay  []string `json:"time_of_day"`
	// JobFunctions, optional: counsellors with experience of these roles
	// score higher (counselor.JobFunctions).
	JobFunctions []string `json:"job_functions,omitempty"`
}

// FitProfile is one person's answers: values and style items 1–5 (both
// roles), preferences and the theme they want to talk about (employees).
type FitProfile struct {
	Values      map[string]int `json:"values"`
	Style       map[string]int `json:"style"`
	Preferences *Preferences   `json:"preferences,omitempty"`
	Theme       string         `json:"theme,omitempty"`
	UpdatedAt   time.Time      `json:"updated_at"`
}

// Service answers and reads fit profiles and computes recommendations.
type Service struct {
	DB       *db.DB
	Accounts *account.Service
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock

	exposure   exposureTally  // recommendations shown, until FlushExposure
	candidates candidateCache // parsed counselor_match lines by row version
	pool       candidatePool  // all of them in memory while WatchCandidates runs
}

// Query asks for recommendations.
type Query struct {
	Theme string   // required unless the employee's profile names one
	Relax []string // hard preferences to ignore this once (HardPreferences)
	Lang  string   // language of the reasons: ja (default) or en
}

// Recommendation is one counsellor with the score and its reasons.
type Recommendation struct {
	Counselor counselor.Listing `json:"counselor"`
	Score     float64           `json:"score"`   // 0–100
	Reasons   []string          `json:"reasons"` // two or three, in Query.Lang
	Terms     []Term            `json:"terms"`   // the score's breakdown, largest first
}

// Term is one weighted part of a score.
type Term struct {
	Name         string  `json:"name"`         // e.g. values, style, industry, rating, soonness
	Weight       float64 `json:"weight"`       // from the weights table
	Value        float64 `json:"value"`        // 0–1
	Contribution float64 `json:"contribution"` // Weight × Value, in score points
}

// Narrowing explains a short list: which hard preferences are in force,
// how many counsellors pass them all, and what relaxing each would give.
type Narrowing struct {
	Available   int          `json:"available"`
	Constraints []string     `json:"constraints"`
	Label       string       `json:"label"` // e.g. "英語対応 + 女性: 4名" in Query.Lang
	Relax       []Relaxation `json:"relax"`
}

// Relaxation is what dropping one hard preference would give.
type Relaxation struct {
	Constraint string `json:"constraint"`
	Available  int    `json:"available"`
}

// Result is the answer to GET /me/recommendations.
type Result struct {
	Theme    string           `json:"theme"`
	Items    []Recommendation `json:"items"`
	Narrowed *Narrowing       `json:"narrowed,omitempty"`
}
