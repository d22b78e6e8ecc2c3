package web

import (
	"slices"
	"strings"

	"github.com/taiwa/taiwa/internal/report"
)

// reportChart is the data reports.js draws: the table's released values,
// null where the table shows none, so charts, table and CSV agree.
type reportChart struct {
	Titles map[string]string `json:"titles"`
	ByKey  *chartBars        `json:"by_key,omitempty"`
	Risk   *chartBar         `json:"risk,omitempty"`
	Obs    *chartBar         `json:"observations,omitempty"`
	Trend  *chartTrend       `json:"trend,omitempty"`
	Lines  *chartStack       `json:"lines,omitempty"`
}

type chartBars struct {
	Labels    []string `json:"labels"`
	Employees []*int   `json:"employees"`
	Sessions  []*int   `json:"sessions,omitempty"` // none by theme: not released
}

type chartStack struct {
	Labels []string      `json:"labels"`
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Name   string `json:"name"`
	Values []*int `json:"values"`
}

type chartBar struct {
	Labels []string `json:"labels"`
	Values []*int   `json:"values"`
}

type chartTrend struct {
	Labels       []string   `json:"labels"`
	Satisfaction []*float64 `json:"satisfaction"`
	Wellbeing    []*float64 `json:"wellbeing"`
}

// onlyKey reports whether keys is KeyAll everywhere except at i, where it
// is a real key.
func onlyKey(keys []string, i int) bool {
	for j, k := range keys {
		if (j == i) == (k == report.KeyAll) {
			return false
		}
	}
	return true
}

// ReportChart is the chart data of the dashboard: participants and
// sessions by the breakdown that is not the month (or by month), the
// company-wide risk and observation distributions, and by month the
// means and each key's participants.
func (p reportPage) ReportChart() reportChart {
	v := p.ReportFormat
	b := p.Body
	dims := strings.Split(b.By, ",")
	ch := reportChart{Titles: map[string]string{
		"employees": v.T("report_participants_month"), "sessions": v.T("report_sessions"),
		"satisfaction": v.T("report_satisfaction"), "wellbeing": v.T("report_wellbeing"),
	}}
	ki := slices.IndexFunc(dims, func(d string) bool { return d != string(report.DimMonth) })
	if ki < 0 {
		ki = 0
	}
	ch.ByKey = v.chartByKey(b, dims, ki)
	if n := len(b.Cells); n > 0 && !b.Cells[n-1].Suppressed {
		t := b.Cells[n-1]
		ch.Risk = v.chartCategories(t.Risk, reportRiskKeys)
		ch.Obs = v.chartCategories(t.Observations, reportObservationKeys)
	}
	if mi := slices.Index(dims, string(report.DimMonth)); mi >= 0 {
		ch.Trend, ch.Lines = v.reportTrend(b, dims, mi)
	}
	return ch
}

// chartByKey is one bar per key of dims[ki] (its total over the other
// dimension), hidden and below-min_group numbers null.
func (v ReportFormat) chartByKey(b *report.Body, dims []string, ki int) *chartBars {
	bars := &chartBars{}
	theme := dims[ki] == string(report.DimTheme)
	for _, c := range b.Cells {
		if !onlyKey(c.Keys, ki) {
			continue
		}
		bars.Labels = append(bars.Labels, v.ReportKey(dims[ki], c.Keys[ki]))
		bars.Employees = append(bars.Employees, c.Employees)
		if !theme {
			bars.Sessions = append(bars.Sessions, c.Sessions)
		}
	}
	return bars
}

func (v ReportFormat) chartCategories(cs []report.Category, keys map[string]string) *chartBar {
	bar := &chartBar{}
	for _, c := range cs {
		bar.Labels = append(bar.Labels, v.label(keys, c.Code))
		bar.Values = append(bar.Values, c.Employees)
	}
	return bar
}

// reportTrend is satisfaction and WHO-5 by month (the month margin) and,
// with a second dimension, each of its keys' participants by month.
func (v ReportFormat) reportTrend(b *report.Body, dims []string, mi int) (*chartTrend, *chartStack) {
	tr := &chartTrend{}
	months := map[string]int{}
	for _, c := range b.Cells {
		if onlyKey(c.Keys, mi) {
			months[c.Keys[mi]] = len(tr.Labels)
			tr.Labels = append(tr.Labels, v.ReportKey(dims[mi], c.Keys[mi]))
			tr.Satisfaction = append(tr.Satisfaction, c.SatisfactionAvg)
			tr.Wellbeing = append(tr.Wellbeing, c.WellbeingAvg)
		}
	}
	if len(dims) < 2 {
		return tr, nil
	}
	oi := 1 - mi
	lines := &chartStack{Labels: tr.Labels}
	series := map[string]int{}
	for _, c := range b.Cells {
		mk, ok := months[c.Keys[mi]]
		if !ok || c.Keys[oi] == report.KeyAll || strings.HasSuffix(c.Keys[oi], report.SubtreeSuffix) {
			continue
		}
		si, seen := series[c.Keys[oi]]
		if !seen {
			si = len(lines.Series)
			series[c.Keys[oi]] = si
			lines.Series = append(lines.Series, chartSeries{Name: v.ReportKey(dims[oi], c.Keys[oi]), Values: make([]*int, len(tr.Labels))})
		}
		lines.Series[si].Values[mk] = c.Employees
	}
	return tr, lines
}
