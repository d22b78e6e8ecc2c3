// Package report computes de-identified organisational reports under the
// DEID-1 policy (docs/deid.md): distinct employees as the unit, a minimum
// group size on every cell, complementary and homogeneity suppression,
// small departments rolled up, and a differencing guard over every cell a
// company has ever been shown. The engine here is pure: the caller loads
// the roster and per-employee activity, and stores the released set.
package report

import (
	"github.com/google/uuid"
)

// Floor is the platform's minimum group size: a company may raise it,
// never lower it (the Japanese stress-check rule for group analysis).
const Floor = 10

// Policy is a company's report policy.
type Policy struct {
	MinGroup int // raised to Floor when lower

	// unprotected turns off complementary and homogeneity suppression and
	// the differencing checks, keeping only the small-cell rule: the
	// adversarial test uses it to show that its attacker can find leaks.
	unprotected bool
}

// k is the effective minimum group size.
func (p Policy) k() int { return max(p.MinGroup, Floor) }

// Employee is one roster entry as HR knows it.
type Employee struct {
	ID         uuid.UUID
	Department string // path, e.g. 営業部/東京支店; "" for none
	AgeBand    string // one of AgeBands or ""
	TenureBand string // one of TenureBands or ""
	OptedOut   bool   // excluded from every number
}

// Activity is one employee's held sessions of one theme in one month,
// pre-aggregated by the caller (GROUP BY employee, month, theme).
type Activity struct {
	Employee     uuid.UUID
	Month        Month
	Theme        string // the booking's theme, one of Themes
	Sessions     int
	SatSum       int   // sum of satisfaction ratings given
	SatCount     int   // number of ratings given
	Risk         int8  // highest RiskBand of the sessions' records
	Observations uint8 // ObservationBits of the sessions' records
	WHO5Sum      int   // sum of WHO-5 percentage scores (0–100) given after these sessions
	WHO5Count    int   // number of WHO-5 answers given
}

// Reason says why a number is hidden; the UI explains it in words.
type Reason string

// The reasons a cell or category is suppressed.
const (
	ReasonSmall         Reason = "small"         // fewer than min_group employees
	ReasonHomogeneous   Reason = "homogeneous"   // one category holds everyone
	ReasonComplementary Reason = "complementary" // hidden so that another hidden cell cannot be recovered
	ReasonDifferencing  Reason = "differencing"  // differs from another released cell by a few people
	ReasonCell          Reason = "cell"          // the category's cell is hidden
)

// Category is one bar of a cell's distribution (risk bands, observations),
// counted in distinct employees.
type Category struct {
	Code       string
	Employees  int // 0 when suppressed
	Suppressed bool
	Reason     Reason
}

// Cell is one published cell. Keys holds one key per dimension of the
// query: a bucket, a department subtree ("path/*") or KeyAll for a margin.
type Cell struct {
	Keys            []string
	Employees       int      // distinct employees; 0 when suppressed
	Sessions        int      // 0 when suppressed
	SatisfactionAvg *float64 // nil when suppressed or rated by fewer than min_group employees
	WellbeingAvg    *float64 // WHO-5 percentage score (0–100); nil like SatisfactionAvg
	Suppressed      bool
	Reason          Reason
	Risk            []Category // by RiskBands; nil when the cell is suppressed
	Observations    []Category // by Observations; nil when the cell is suppressed
}

// Table is a computed report: every cell of the query's dimensions with
// their margins, suppression applied.
type Table struct {
	MinGroup int
	Query    Query
	Cells    []Cell

	ids   []uuid.UUID // employee index → id, for the guard's hashes
	nodes []node
	cells []cellData
	nB    int
	pol   Policy
	dims  [2]dimension
	sup   *suppressor
	qs    []string    // quantity names by node, built on demand
	hsets []memberSet // keyed-hash member sets by published node, for hkey
	hkey  string
}

// Total is the cell of every dimension's KeyAll.
func (t *Table) Total() Cell { return t.Cells[len(t.Cells)-1] }

// Cell finds a cell by its keys.
func (t *Table) Cell(keys ...string) (Cell, bool) {
	for _, c := range t.Cells {
		if equalKeys(c.Keys, keys) {
			return c, true
		}
	}
	return Cell{}, false
}

func equalKeys(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
