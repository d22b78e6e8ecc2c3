package web

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/report"
)

// reportDims are the dimensions the form offers first.
var reportDims = []string{
	string(report.DimDepartment), string(report.DimAgeBand), string(report.DimTenureBand),
	string(report.DimTheme), string(report.DimMonth),
}

// reportDims2 are the second breakdowns: releases are one-way tables by
// month, so only the month crosses another dimension.
var reportDims2 = []string{string(report.DimMonth)}

// reportDimKeys name the dimensions.
var reportDimKeys = map[string]string{
	string(report.DimDepartment): "report_dim_department", string(report.DimAgeBand): "report_dim_age_band",
	string(report.DimTenureBand): "report_dim_tenure_band", string(report.DimTheme): "report_dim_theme",
	string(report.DimMonth): "report_dim_month",
}

// reportReasonKeys say in words why a cell shows no numbers; neither
// reason depends on private data, and there are no others.
var reportReasonKeys = map[string]string{
	report.ReasonPopulation:  "report_reason_population",
	report.ReasonNotReleased: "report_reason_not_released",
}

// reportRiskKeys name the risk bands (urgent counts as high).
var reportRiskKeys = map[string]string{
	"unrecorded": "report_risk_unrecorded", "none": "report_risk_none", "low": "report_risk_low",
	"moderate": "report_risk_moderate", "high": "report_risk_high",
}

// reportObservationKeys reuse the record form's names of observations.
var reportObservationKeys = map[string]string{
	"workload": "record_obs_workload", "management_style": "record_obs_management_style",
	"communication": "record_obs_communication", "harassment_climate": "record_obs_harassment_climate",
	"career_path": "record_obs_career_path", "pay_evaluation": "record_obs_pay_evaluation",
	"work_life": "record_obs_work_life",
}

// The names a cell's Below uses for its numbers.
const (
	belowEmployees    = "employees"
	belowSessions     = "sessions"
	belowPersonMonths = "person_months"
)

// reportPeriods suggests the 24 months up to the latest one due, and the
// 8 quarters up to the one holding it.
func reportPeriods(now time.Time) []string {
	last := report.LastClosed(now)
	var out []string
	for m := last; m > last-report.MaxRangeMonths; m-- {
		out = append(out, m.String())
	}
	q := last - last%3 // the quarter's first month (months count from January of year 0)
	for i := range 8 {
		m := q - report.Month(3*i)
		out = append(out, strconv.Itoa(int(m)/12)+"-Q"+strconv.Itoa(int(m)%12/3+1))
	}
	return out
}

// DimLabel names a dimension.
func (v ReportFormat) DimLabel(d string) string { return v.label(reportDimKeys, d) }

// ReportKey names one key of a dimension: a department path, a band, a
// theme, a month or quarter, a margin ("*") or the rest ("(other)").
func (v ReportFormat) ReportKey(dim, key string) string {
	switch {
	case key == report.KeyAll:
		return v.T("report_key_all")
	case key == report.KeyOther:
		return v.T("report_key_other")
	}
	switch report.Dim(dim) {
	case report.DimDepartment:
		if p, ok := strings.CutSuffix(key, report.SubtreeSuffix); ok {
			return v.T("report_key_subtree", "Name", dept(p))
		}
		return dept(key)
	case report.DimAgeBand:
		return v.label(ageBandKeys, key)
	case report.DimTenureBand:
		return v.label(tenureBandKeys, key)
	case report.DimTheme:
		return v.Label("theme", key)
	case report.DimMonth:
		return v.Month(key)
	}
	return key
}

// ReportReason says why a cell shows no numbers, with the company's
// min_group.
func (v ReportFormat) ReportReason(reason string, minGroup int) string {
	if k, ok := reportReasonKeys[reason]; ok {
		return v.T(k, "N", minGroup)
	}
	return v.T("report_hidden")
}

// approx shows a released count: "about n" (every number carries noise),
// "fewer than min_group" when below it, "—" when there is none. unit is
// "people" or "sessions" for the headline's words, "" for a table cell.
func (v ReportFormat) approx(n *int, below bool, minGroup int, unit string) string {
	switch {
	case below && unit == "sessions":
		return v.T("report_below_sessions", "N", minGroup)
	case below:
		return v.T("report_below_people", "N", minGroup)
	case n == nil:
		return "—"
	case unit == "people":
		return v.T("report_about_people", "N", *n)
	case unit == "sessions":
		return v.T("report_about_sessions", "N", *n)
	}
	return v.T("report_about", "N", *n)
}

// approxScore shows a released mean, approximate, or "—".
func (v ReportFormat) approxScore(f *float64, prec int) string {
	if f == nil {
		return "—"
	}
	return v.T("report_about", "N", strconv.FormatFloat(*f, 'f', prec, 64))
}

// reportFigure is one number of a table row as shown, with the CSV
// column it is.
type reportFigure struct {
	Col, Text string
	Below     bool
	Note      string // why a dash, when it is not obvious
}

// reportRow is one line of the dashboard's table.
type reportRow struct {
	ID      string   // the cell's key, for tests and anchors
	Keys    []string // the keys in words
	Margin  bool     // a margin or the grand total
	Hidden  bool
	Reason  string
	Figures []reportFigure
	Months  int // released months the cell is made of
}

// ReportRows are the report's cells as table rows, with the same
// released values as the JSON and the CSV.
func (p reportPage) ReportRows() []reportRow {
	v := p.ReportFormat
	b := p.Body
	dims := strings.Split(b.By, ",")
	rows := make([]reportRow, 0, len(b.Cells))
	for _, c := range b.Cells {
		r := reportRow{ID: c.Key, Margin: slices.Contains(c.Keys, report.KeyAll), Hidden: c.Suppressed, Months: c.Months}
		for i, k := range c.Keys {
			r.Keys = append(r.Keys, v.ReportKey(dims[min(i, len(dims)-1)], k))
		}
		if c.Suppressed {
			r.Reason = v.ReportReason(c.Reason, b.MinGroup)
		} else {
			r.Figures = v.reportFigures(c, dims, b.MinGroup)
		}
		rows = append(rows, r)
	}
	return rows
}

// reportFigures are a shown cell's numbers in the table's order.
func (v ReportFormat) reportFigures(c report.Cell, dims []string, k int) []reportFigure {
	below := func(name string) bool { return slices.Contains(c.Below, name) }
	sess := reportFigure{Col: "sessions", Text: v.approx(c.Sessions, below(belowSessions), k, ""), Below: below(belowSessions)}
	if c.Sessions == nil && !sess.Below && slices.Contains(dims, string(report.DimTheme)) && c.Keys[slices.Index(dims, string(report.DimTheme))] != report.KeyAll {
		sess.Note = v.T("report_theme_sessions_note")
	}
	return []reportFigure{
		{Col: "employees", Text: v.approx(c.Employees, below(belowEmployees), k, ""), Below: below(belowEmployees)},
		{Col: "person_months", Text: v.approx(c.PersonMonths, below(belowPersonMonths), k, ""), Below: below(belowPersonMonths)},
		sess,
		{Col: "satisfaction_avg", Text: v.approxScore(c.SatisfactionAvg, 1)},
		{Col: "wellbeing_avg", Text: v.approxScore(c.WellbeingAvg, 0)},
	}
}

// reportHeadline is the grand total in words: every number approximate.
type reportHeadline struct {
	Participants, Sessions, Utilisation, Satisfaction, Wellbeing string
	Seats                                                        int
}

// ReportHeadline is the grand total (the last cell) in words and numbers.
func (p reportPage) ReportHeadline() reportHeadline {
	v := p.ReportFormat
	b := p.Body
	h := reportHeadline{Participants: "—", Sessions: "—", Utilisation: "—", Satisfaction: "—", Wellbeing: "—"}
	if b.Seats != nil {
		h.Seats = *b.Seats
	}
	if u := b.Utilisation; u != nil {
		h.Utilisation = v.T("report_about_percent", "N", strconv.FormatFloat(*u*100, 'f', 1, 64))
	}
	if len(b.Cells) == 0 {
		return h
	}
	t := b.Cells[len(b.Cells)-1]
	if t.Suppressed {
		return h
	}
	h.Participants = v.approx(t.Employees, slices.Contains(t.Below, belowEmployees), b.MinGroup, "people")
	h.Sessions = v.approx(t.Sessions, slices.Contains(t.Below, belowSessions), b.MinGroup, "sessions")
	h.Satisfaction, h.Wellbeing = v.approxScore(t.SatisfactionAvg, 1), v.approxScore(t.WellbeingAvg, 0)
	return h
}

// reportMonth is one month of the range in the month strip: released
// (when), or when it is due. Never a number.
type reportMonth struct {
	Month, Label, Day string
	Released          bool
}

// ReportMonths is the range's publishing state month by month.
func (v ReportFormat) ReportMonths(b *report.Body) []reportMonth {
	out := make([]reportMonth, len(b.Months))
	for i, m := range b.Months {
		out[i] = reportMonth{Month: m.Month, Label: v.Month(m.Month), Released: m.Released, Day: v.Day(m.PublishesOn)}
		if m.ReleasedAt != nil {
			out[i].Day = v.Day(m.ReleasedAt.In(jst).Format(time.DateOnly))
		}
	}
	return out
}

// reportCategory is one bar of the risk or observation distribution.
type reportCategory struct {
	Label, Text string
	Below       bool
}

// ReportRisk is the company-wide risk distribution (monthly average).
func (p reportPage) ReportRisk() []reportCategory {
	v := p.ReportFormat
	return v.categories(p.Body, func(c report.Cell) []report.Category { return c.Risk }, reportRiskKeys)
}

// ReportObservations is the company-wide observation distribution.
func (p reportPage) ReportObservations() []reportCategory {
	v := p.ReportFormat
	return v.categories(p.Body, func(c report.Cell) []report.Category { return c.Observations }, reportObservationKeys)
}

func (v ReportFormat) categories(b *report.Body, of func(report.Cell) []report.Category, keys map[string]string) []reportCategory {
	if len(b.Cells) == 0 {
		return nil
	}
	var out []reportCategory
	for _, c := range of(b.Cells[len(b.Cells)-1]) {
		out = append(out, reportCategory{Label: v.label(keys, c.Code), Text: v.approx(c.Employees, c.Below, b.MinGroup, "people"), Below: c.Below})
	}
	return out
}

// reportGuarantee is the stated privacy guarantee, formatted.
type reportGuarantee struct {
	RhoMonth, RhoYear, EpsilonMonth, EpsilonYear, Delta string
}

// Guarantee formats p for the protection panel and the privacy page.
func (v ReportFormat) Guarantee(p report.Privacy) reportGuarantee {
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	return reportGuarantee{RhoMonth: f(p.RhoMonth), RhoYear: f(p.RhoYear), EpsilonMonth: f(p.EpsilonMonth),
		EpsilonYear: f(p.EpsilonYear), Delta: powerOfTen(p.Delta)}
}

// powerOfTen writes 1e-6 as 10⁻⁶, any other number plainly.
func powerOfTen(x float64) string {
	e := math.Log10(x)
	r := math.Round(e)
	if x <= 0 || math.Abs(e-r) > 1e-9 {
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	sup := strings.NewReplacer("-", "⁻", "0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴",
		"5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")
	return "10" + sup.Replace(strconv.Itoa(int(r)))
}
