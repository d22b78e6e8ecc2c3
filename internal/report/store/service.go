// Package store serves DEID-1 reports from PostgreSQL: it loads the
// company's roster and pre-aggregated activity, runs the engine
// (internal/report), passes the table through the company's differencing
// guard (kept in the database), freezes closed months and keeps snapshots
// of closed-range reports, rate-limits and audits every view and export.
package store

import (
	"errors"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/report"
)

// DefaultLimit is how many report requests one user may make per minute.
const DefaultLimit = 30

// Service serves reports.
type Service struct {
	DB    *db.DB
	Keys  *seal.Keyring    // seals each company's guard key
	Now   func() time.Time // nil: time.Now
	Limit int              // requests per user per minute; 0: DefaultLimit

	mu     sync.Mutex
	guards map[uuid.UUID]*heldGuard // decoded guards by company, with their row's version
}

// Request is one report request.
type Request struct {
	Query  report.Query
	From   string // as asked: YYYY-MM or YYYY-Qn
	To     string
	By     string // as asked, e.g. "department" or "department,month"
	Export bool   // a CSV download: audited as report.export, not report.view
}

// Report is a served report: the engine's cells (margins included, the
// grand total last) under the company's min_group, with what the
// dashboard needs around them.
type Report struct {
	CompanyID   uuid.UUID
	MinGroup    int
	From, To    string
	By          string
	Dims        []report.Dim
	Cells       []report.Cell
	Total       report.Cell
	Snapshot    bool      // served unchanged from a closed-range snapshot
	GeneratedAt time.Time // when the numbers were computed
	Seats       int       // seats of the company's current contract; 0 when none
}

// ErrNotImplemented was the stub's answer; nothing returns it any more.
var ErrNotImplemented = errors.New("report store: not implemented")

// Contribution is what an employee reads under "what my company sees":
// how their own sessions feed the company's reports, never anyone's
// numbers.
type Contribution struct {
	MinGroup   int
	OptedOut   bool     // excluded from every report
	Department string   // the department key their sessions count under after roll-up ("" when none)
	RolledUp   bool     // their own department is too small and counts in an ancestor (or the company)
	AgeBand    string   // "" when not on the roster
	TenureBand string   // "" when not on the roster
	Months     []string // YYYY-MM months of the last 24 in which they held a session
	Sessions   int      // their held sessions in those months
}
