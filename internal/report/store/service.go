// Package store publishes and serves DEID-2 report releases from
// PostgreSQL: it computes each company's release of a closed month once
// (internal/report does the counting and the noise), stores it immutable,
// and answers every report, chart and CSV from stored releases only,
// rate-limited and audited.
package store

import (
	"strings"
	"sync"

	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/dp"
)

// DefaultLimit is how many report requests one user may make per minute.
const DefaultLimit = 30

// Service publishes and serves releases.
type Service struct {
	DB    *db.DB
	Clock clock.Clock // nil: the wall clock
	Limit int         // requests per user per minute; 0: DefaultLimit
	// AfterRelease, when set, runs after each company's release in
	// ReleaseMonth (the kill test paces a run with it).
	AfterRelease func()

	mu    sync.Mutex
	noise func() report.Noise // nil: exact discrete Gaussian from crypto/rand
}

// SetNoise replaces the noise of later releases. Only privacy tests call
// it, to show that their attacks succeed without noise
// (report.UnsafeNoNoise); nil restores the product's noise.
func (s *Service) SetNoise(f func() report.Noise) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noise = f
}

// newNoise is a fresh noise source for one release.
func (s *Service) newNoise() report.Noise {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noise != nil {
		return s.noise()
	}
	return report.GaussianNoise(dp.CryptoSource())
}

func (s *Service) limit() int {
	if s.Limit > 0 {
		return s.Limit
	}
	return DefaultLimit
}

// Request is one report request.
type Request struct {
	Query  report.Query
	From   string // as asked: YYYY-MM or YYYY-Qn
	To     string
	By     string // normalised, e.g. "department" or "department,month"
	Export bool   // a CSV download: audited as report.export, not report.view
}

// NewRequest validates from, to and by (400 naming the field) into a
// request, for the API and the pages alike; by is normalised to "dim" or
// "dim1,dim2". Export marks a CSV download.
func NewRequest(from, to, by string, export bool) (Request, error) {
	q, err := report.ParseQuery(from, to, by)
	if err != nil {
		return Request{}, err
	}
	dims := make([]string, len(q.By))
	for i, d := range q.By {
		dims[i] = string(d)
	}
	return Request{Query: q, From: from, To: to, By: strings.Join(dims, ","), Export: export}, nil
}

// Contribution is what an employee reads under "what my company sees":
// how their own sessions feed the company's releases, never anyone's
// numbers.
type Contribution struct {
	MinGroup   int
	OptedOut   bool     // excluded from every release computed from now on
	Department string   // the department key their sessions count under after roll-up ("" when none)
	RolledUp   bool     // their own department is too small and counts in an ancestor (or the company)
	AgeBand    string   // "" when not on the roster
	TenureBand string   // "" when not on the roster
	Months     []string // YYYY-MM months of the last 24 in which they held a session
	Sessions   int      // their held sessions in those months
	Counted    []string // released months among Months that counted them (not opted out when published)
	Pending    []string // months among Months whose release is not published yet
	Privacy    report.Privacy
}
