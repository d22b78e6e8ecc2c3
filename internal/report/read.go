package report

import (
	"math"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/japan"
)

// CloseDay is the day of the next month (Japan time) on which a month
// closes and its release is published: records stay editable for 7 days
// after a session, so the month's records are settled by then.
const CloseDay = 8

// PublishesOn is the day m's release is due.
func PublishesOn(m Month) time.Time {
	n := m + 1
	return time.Date(int(n)/12, time.Month(int(n)%12+1), CloseDay, 0, 0, 0, 0, japan.Zone)
}

// LastClosed is the latest month whose release is due at now.
func LastClosed(now time.Time) Month {
	t := now.In(japan.Zone)
	cur := MonthOf(t.Year(), t.Month())
	if t.Day() >= CloseDay {
		return cur - 1
	}
	return cur - 2
}

// Published is a stored release with when it was published.
type Published struct {
	Release *Release
	At      time.Time
}

// Reasons a cell shows no numbers; neither depends on private data.
const (
	ReasonPopulation  = "population"   // the partition's roster population is below min_group
	ReasonNotReleased = "not_released" // no month of the cell has a release yet
)

// ReasonNotReleasedRange is the API code of a range with no release at all.
const ReasonNotReleasedRange apperr.Reason = "not_released"

// Body is a served report (the API's JSON, the dashboard's and the CSV's
// rows): post-processing of stored releases only.
type Body struct {
	MinGroup    int          `json:"min_group"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	By          string       `json:"by"`
	Cells       []Cell       `json:"cells"`
	Total       Total        `json:"total"`
	Months      []MonthState `json:"months"`
	Privacy     Privacy      `json:"privacy"`
	Approximate bool         `json:"approximate"` // always true: every number carries noise
	Seats       *int         `json:"seats"`       // null when the company has no current contract
	Utilisation *float64     `json:"utilisation"` // employees ÷ seats; null when either is unknown or hidden
}

// Cell is one row: keys in the order of by, KeyAll for a margin.
// Employees is participants as a monthly average over the cell's released
// months, PersonMonths their sum. A number below min_group is null and
// named in Below (shown as "fewer than min_group").
type Cell struct {
	Key             string     `json:"key"` // Keys joined with "|"
	Keys            []string   `json:"keys"`
	Sessions        *int       `json:"sessions"`
	Employees       *int       `json:"employees"`
	PersonMonths    *int       `json:"person_months"`
	SatisfactionAvg *float64   `json:"satisfaction_avg"`
	WellbeingAvg    *float64   `json:"wellbeing_avg"`
	Suppressed      bool       `json:"suppressed"`
	Reason          string     `json:"reason,omitempty"`
	Below           []string   `json:"below,omitempty"`
	Imprecise       []string   `json:"imprecise,omitempty"` // means left out: their noise would swamp them
	Months          int        `json:"months"`              // released months the cell is made of
	Risk            []Category `json:"risk"`
	Observations    []Category `json:"observations"`
}

// Category is one bar of the company-wide risk or observation
// distribution: participants as a monthly average.
type Category struct {
	Code      string `json:"code"`
	Employees *int   `json:"employees"`
	Below     bool   `json:"below"`
}

// Total is the grand total's numbers.
type Total struct {
	Sessions  *int `json:"sessions"`
	Employees *int `json:"employees"`
}

// MonthState says whether a month of the range is released, and when.
type MonthState struct {
	Month       string     `json:"month"`
	Released    bool       `json:"released"`
	ReleasedAt  *time.Time `json:"released_at,omitempty"`
	PublishesOn string     `json:"publishes_on,omitempty"` // YYYY-MM-DD, for a month without a release
}

// ReadInput is what a report is computed from: the query, the company's
// current min_group and seats, and its releases of the query's months.
type ReadInput struct {
	Query    Query
	MinGroup int
	Seats    int
	Releases map[Month]Published
}

// Read is the report of in.Query: sums over months, monthly averages of
// participants, pooled means, department subtrees as sums of their
// parts, and the display rules (population, below min_group). A range
// without any release is 422 not_released naming from.
func Read(in ReadInput) (*Body, error) {
	q := in.Query
	k := MinGroup(in.MinGroup)
	b := &Body{MinGroup: k, From: q.From.String(), To: q.To.String(), By: dimsString(q.By), Privacy: Guarantee(), Approximate: true}
	any := false
	for m := q.From; m <= q.To; m++ {
		st := MonthState{Month: m.String()}
		if p, ok := in.Releases[m]; ok {
			at := p.At
			st.Released, st.ReleasedAt, any = true, &at, true
		} else {
			st.PublishesOn = PublishesOn(m).Format(time.DateOnly)
		}
		b.Months = append(b.Months, st)
	}
	if !any {
		msg := "no month of this range is released yet: " + q.From.String() + " is published on " + PublishesOn(q.From).Format(time.DateOnly)
		e := apperr.Unprocessable(ReasonNotReleasedRange, msg)
		e.Fields = map[string]string{"from": msg}
		return nil, e
	}
	r := reader{in: in, k: k}
	b.Cells = r.cells()
	tot := b.Cells[len(b.Cells)-1]
	b.Total = Total{Sessions: tot.Sessions, Employees: tot.Employees}
	if in.Seats > 0 {
		b.Seats = &in.Seats
		if tot.Employees != nil {
			u := math.Round(float64(*tot.Employees)/float64(in.Seats)*1000) / 1000
			b.Utilisation = &u
		}
	}
	return b, nil
}

func dimsString(ds []Dim) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d)
	}
	return strings.Join(s, ",")
}

// CellKey joins a cell's keys as the API's "key".
func CellKey(keys []string) string { return strings.Join(keys, "|") }
