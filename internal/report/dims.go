package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Dim is a fixed report dimension: every partition of a release is
// known in advance, so no partition selection is needed.
type Dim string

// The dimensions a report may be broken down by, at most two at a time.
const (
	DimDepartment Dim = "department"
	DimAgeBand    Dim = "age_band"
	DimTenureBand Dim = "tenure_band"
	DimTheme      Dim = "theme"
	DimMonth      Dim = "month"
)

// MaxRangeMonths bounds a report's range.
const MaxRangeMonths = 24

// Keys with a fixed meaning in every dimension.
const (
	KeyAll   = "*"       // the total over the dimension
	KeyOther = "(other)" // employees without a value, or small departments rolled into the company
)

// SubtreeSuffix marks a department key that covers the department and
// everything under it ("営業部/*"); the plain path covers the department's
// own members plus the small sub-departments rolled up into it.
const SubtreeSuffix = "/*"

// AgeBands, TenureBands, Themes, RiskBands and Observations are the fixed
// taxonomies (the database's CHECK constraints hold the same lists).
var (
	AgeBands     = []string{"20s", "30s", "40s", "50s", "60s", "70s"}
	TenureBands  = []string{"0-2y", "3-5y", "6-10y", "11y+"}
	Themes       = []string{"career", "mental_health", "relationships", "harassment", "work_life", "engagement", "onboarding", "exit_interview", "return_to_work", "high_stress_followup"}
	RiskBands    = []string{"unrecorded", "none", "low", "moderate", "high"}
	Observations = []string{"workload", "management_style", "communication", "harassment_climate", "career_path", "pay_evaluation", "work_life"}
)

// RiskBand maps a session record's risk level to its band index in
// RiskBands: urgent counts as high, so that the rarest level never stands
// alone; "" (no record) is "unrecorded".
func RiskBand(level string) int8 {
	switch level {
	case "none":
		return 1
	case "low":
		return 2
	case "moderate":
		return 3
	case "high", "urgent":
		return 4
	}
	return 0
}

// ObservationBits packs observation codes into the bit mask Activity uses;
// unknown codes are ignored.
func ObservationBits(codes []string) uint8 {
	var m uint8
	for _, c := range codes {
		for i, o := range Observations {
			if c == o {
				m |= 1 << i
			}
		}
	}
	return m
}

// Month is a calendar month counted from year 0 (year*12 + month-1), so
// that ranges are plain integer arithmetic.
type Month int

// MonthOf makes a Month.
func MonthOf(year int, m time.Month) Month { return Month(year*12 + int(m) - 1) }

// String is YYYY-MM.
func (m Month) String() string { return fmt.Sprintf("%04d-%02d", int(m)/12, int(m)%12+1) }

// quarter is the month's quarter label, YYYY-Qn.
func (m Month) quarter() string { return fmt.Sprintf("%04d-Q%d", int(m)/12, int(m)%12/3+1) }

// Grain is the time bucket of a report: months or quarters, nothing finer.
type Grain string

// The two grains.
const (
	GrainMonth   Grain = "month"
	GrainQuarter Grain = "quarter"
)

// Query is a validated report request: a range of whole months (or
// quarters) and one or two dimensions.
type Query struct {
	From, To Month // inclusive
	Grain    Grain
	By       []Dim
}

// Months is the number of months in the range.
func (q Query) Months() int { return int(q.To-q.From) + 1 }

// bucket is the label of the time bucket m falls in.
func (q Query) bucket(m Month) string {
	if q.Grain == GrainQuarter {
		return m.quarter()
	}
	return m.String()
}

// ParseQuery validates the API's from, to and by parameters. from and to
// are both months (YYYY-MM) or both quarters (YYYY-Qn; to covers its last
// month); by is one dimension or two joined by a comma. Errors name the
// field: from, to or by.
func ParseQuery(from, to, by string) (Query, error) {
	f, fg, err := parseBound(from, "from", false)
	if err != nil {
		return Query{}, err
	}
	t, tg, err := parseBound(to, "to", true)
	if err != nil {
		return Query{}, err
	}
	if fg != tg {
		return Query{}, apperr.Field("to", "must be a month when from is a month, a quarter when from is a quarter")
	}
	if t < f {
		return Query{}, apperr.Field("to", "must not be before from")
	}
	if int(t-f)+1 > MaxRangeMonths {
		return Query{}, apperr.Field("to", fmt.Sprintf("must be at most %d months after from", MaxRangeMonths))
	}
	dims, err := ParseDims(by)
	if err != nil {
		return Query{}, err
	}
	return Query{From: f, To: t, Grain: fg, By: dims}, nil
}

// ParseDims reads "department" or "department,month": known dimensions,
// at most two, not the same twice, and a second one only with month
// (releases hold one-way tables by month; a cross of two other
// dimensions is never released).
func ParseDims(by string) ([]Dim, error) {
	parts := strings.Split(by, ",")
	if by == "" || len(parts) > 2 {
		return nil, apperr.Field("by", "must be one or two of department, age_band, tenure_band, theme, month")
	}
	dims := make([]Dim, 0, 2)
	for _, p := range parts {
		d := Dim(strings.TrimSpace(p))
		switch d {
		case DimDepartment, DimAgeBand, DimTenureBand, DimTheme, DimMonth:
		default:
			return nil, apperr.Field("by", "must be one or two of department, age_band, tenure_band, theme, month")
		}
		if len(dims) == 1 && dims[0] == d {
			return nil, apperr.Field("by", "must not name the same dimension twice")
		}
		dims = append(dims, d)
	}
	if len(dims) == 2 && dims[0] != DimMonth && dims[1] != DimMonth {
		return nil, apperr.Field("by", "a second dimension must be month: releases hold no cross of two other dimensions")
	}
	return dims, nil
}

// parseBound reads YYYY-MM or YYYY-Qn; an upper bound of a quarter is its
// last month.
func parseBound(s, field string, upper bool) (Month, Grain, error) {
	bad := apperr.Field(field, "must be a month YYYY-MM or a quarter YYYY-Qn between 2000 and 2999")
	if len(s) != 7 || s[4] != '-' {
		return 0, "", bad
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 2000 || y > 2999 {
		return 0, "", bad
	}
	if s[5] == 'Q' {
		q := int(s[6] - '0')
		if q < 1 || q > 4 {
			return 0, "", bad
		}
		m := MonthOf(y, time.Month(q*3-2))
		if upper {
			m += 2
		}
		return m, GrainQuarter, nil
	}
	mo, err := strconv.Atoi(s[5:])
	if err != nil || mo < 1 || mo > 12 || s[5] == '+' || s[5] == '-' {
		return 0, "", bad
	}
	return MonthOf(y, time.Month(mo)), GrainMonth, nil
}

// ParseMonth reads YYYY-MM (field names the parameter in the error).
func ParseMonth(s, field string) (Month, error) {
	m, g, err := parseBound(s, field, false)
	if err != nil {
		return 0, err
	}
	if g != GrainMonth {
		return 0, apperr.Field(field, "must be a month YYYY-MM")
	}
	return m, nil
}
