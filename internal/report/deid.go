// Package report publishes de-identified organisational reports under the
// DEID-2 policy (docs/deid.md): after a month closes, each company gets
// one immutable release of noisy tables, computed once from the month's
// activity with each employee's contribution bounded and discrete
// Gaussian noise added to every count and sum; every report is
// post-processing of stored releases, never of raw data. The engine here
// is pure: the caller loads the roster and per-employee activity, and
// stores the release.
package report

import (
	"github.com/google/uuid"
)

// Floor is the platform's minimum group size: a company may raise it,
// never lower it (the Japanese stress-check rule for group analysis).
const Floor = 10

// MinGroup is a company's effective minimum group size.
func MinGroup(companyMinGroup int) int { return max(companyMinGroup, Floor) }

// Employee is one roster entry as HR knows it.
type Employee struct {
	ID         uuid.UUID
	Department string // path, e.g. 営業部/東京支店; "" for none
	AgeBand    string // one of AgeBands or ""
	TenureBand string // one of TenureBands or ""
	OptedOut   bool   // counted in roster populations (HR knows the roster), never in any number
}

// Activity is one employee's held sessions of one theme in one month,
// pre-aggregated by the caller (GROUP BY employee, month, theme).
type Activity struct {
	Employee     uuid.UUID
	Month        Month
	Theme        string // the booking's theme, one of Themes
	Sessions     int
	SatSum       int   // sum of satisfaction ratings given (1–5 each)
	SatCount     int   // number of ratings given
	Risk         int8  // highest RiskBand of the sessions' records
	Observations uint8 // ObservationBits of the sessions' records
	WHO5Sum      int   // sum of WHO-5 percentage scores (0–100) given after these sessions
	WHO5Count    int   // number of WHO-5 answers given
}

// Enrolment is one employee's state in one open-invitation programme at
// the release: HR knows who was invited (HR invited them), never who
// joined.
type Enrolment struct {
	Programme uuid.UUID
	Employee  uuid.UUID
	Joined    bool // accepted the invitation
	Held      bool // held at least one of the programme's steps
}
