package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// reportDims are the dimensions the form offers, in DEID-1's order.
var reportDims = []string{
	string(report.DimDepartment), string(report.DimAgeBand), string(report.DimTenureBand),
	string(report.DimTheme), string(report.DimMonth),
}

// reportDimKeys name the dimensions.
var reportDimKeys = map[string]string{
	string(report.DimDepartment): "report_dim_department", string(report.DimAgeBand): "report_dim_age_band",
	string(report.DimTenureBand): "report_dim_tenure_band", string(report.DimTheme): "report_dim_theme",
	string(report.DimMonth): "report_dim_month",
}

// reportReasonKeys say in words why a number is hidden.
var reportReasonKeys = map[string]string{
	string(report.ReasonSmall): "report_reason_small", string(report.ReasonHomogeneous): "report_reason_homogeneous",
	string(report.ReasonComplementary): "report_reason_complementary", string(report.ReasonDifferencing): "report_reason_differencing",
	string(report.ReasonCell): "report_reason_cell",
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

// reportPeriods suggests the last 24 months and 8 quarters.
func reportPeriods(now time.Time) []string {
	n := now.In(japan.Zone)
	cur := report.MonthOf(n.Year(), n.Month())
	var out []string
	for m := cur; m > cur-report.MaxRangeMonths; m-- {
		out = append(out, m.String())
	}
	q := time.Month((int(n.Month())-1)/3*3 + 1)
	for i := range 8 {
		d := time.Date(n.Year(), q-time.Month(3*i), 1, 0, 0, 0, 0, japan.Zone)
		out = append(out, d.Format("2006")+"-Q"+strconv.Itoa(int(d.Month()-1)/3+1))
	}
	return out
}

// DimLabel names a dimension.
func (v *View) DimLabel(d string) string { return v.label(reportDimKeys, d) }

// ReportKey names one key of a dimension: a department path, a band, a
// theme, a month or quarter, a margin ("*") or the rest ("(other)").
func (v *View) ReportKey(dim, key string) string {
	switch {
	case key == report.KeyAll:
		return v.T("report_key_all")
	case key == report.KeyOther:
		return v.T("report_key_other")
	}
	switch report.Dim(dim) {
	case report.DimDepartment:
		if p, ok := strings.CutSuffix(key, report.SubtreeSuffix); ok {
			return v.T("report_key_subtree", "Name", v.Dept(p))
		}
		return v.Dept(key)
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

// ReportReason says why a number is hidden, with the company's min_group.
func (v *View) ReportReason(reason string, minGroup int) string {
	if k, ok := reportReasonKeys[reason]; ok {
		return v.T(k, "N", minGroup)
	}
	return v.T("report_hidden")
}

// reportRow is one line of the dashboard's table.
type reportRow struct {
	ID         string   // the cell's key, for tests and anchors
	Keys       []string // the keys in words
	Margin     bool     // a margin or the grand total
	Hidden     bool
	Reason     string
	Employees  string
	Sessions   string
	Sat, WHO5  string
	Risk       []reportRisk
	RiskHidden bool // the whole distribution is hidden
}

// reportRisk is one risk band of a row.
type reportRisk struct {
	Label, Value string
	Hidden       bool
	Reason       string
}

// ReportRows are the report's cells as table rows.
func (v *View) ReportRows(p reportPage) []reportRow {
	dims := strings.Split(p.Body.By, ",")
	rows := make([]reportRow, 0, len(p.Body.Cells))
	for _, c := range p.Body.Cells {
		r := reportRow{ID: c.Key, Margin: slices.Contains(c.Keys, report.KeyAll), Hidden: c.Suppressed}
		for i, k := range c.Keys {
			r.Keys = append(r.Keys, v.ReportKey(dims[min(i, len(dims)-1)], k))
		}
		if c.Suppressed {
			r.Reason = v.ReportReason(c.Reason, p.MinGroup)
			rows = append(rows, r)
			continue
		}
		r.Employees, r.Sessions = num(c.Employees), num(c.Sessions)
		r.Sat, r.WHO5 = avg(c.SatisfactionAvg, 1), avg(c.WellbeingAvg, 0)
		hidden := 0
		for _, b := range c.Risk {
			rr := reportRisk{Label: v.label(reportRiskKeys, b.Code), Value: num(b.Employees), Hidden: b.Suppressed}
			if b.Suppressed {
				hidden++
				rr.Reason = v.ReportReason(b.Reason, p.MinGroup)
			}
			r.Risk = append(r.Risk, rr)
		}
		r.RiskHidden = hidden == len(c.Risk) && hidden > 0
		rows = append(rows, r)
	}
	return rows
}

func num(n *int) string {
	if n == nil {
		return "—"
	}
	return strconv.Itoa(*n)
}

func avg(f *float64, prec int) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(*f, 'f', prec, 64)
}

// Headline figures of the grand total: participants, sessions,
// utilisation (participants ÷ seats), satisfaction and WHO-5.
type reportHeadline struct {
	Participants, Sessions, Utilisation, Satisfaction, Wellbeing string
	Seats                                                        int
}

// ReportHeadline is the grand total in words and numbers.
func (v *View) ReportHeadline(p reportPage) reportHeadline {
	h := reportHeadline{Participants: num(p.Body.Total.Employees), Sessions: num(p.Body.Total.Sessions),
		Utilisation: "—", Satisfaction: "—", Wellbeing: "—"}
	if p.Body.Seats != nil {
		h.Seats = *p.Body.Seats
	}
	if u := p.Body.Utilisation; u != nil {
		h.Utilisation = strconv.FormatFloat(*u*100, 'f', 1, 64) + "%"
	}
	if n := len(p.Body.Cells); n > 0 {
		t := p.Body.Cells[n-1]
		h.Satisfaction, h.Wellbeing = avg(t.SatisfactionAvg, 1), avg(t.WellbeingAvg, 0)
	}
	return h
}

// reportChart is the data reports.js draws; hidden numbers are null, so
// a chart never shows what the table hides.
type reportChart struct {
	Titles map[string]string `json:"titles"`
	ByKey  *chartBars        `json:"by_key,omitempty"`
	Risk   *chartStack       `json:"risk,omitempty"`
	Obs    *chartBar         `json:"observations,omitempty"`
	Trend  *chartTrend       `json:"trend,omitempty"`
	Lines  *chartStack       `json:"lines,omitempty"`
}

type chartBars struct {
	Labels    []string `json:"labels"`
	Employees []*int   `json:"employees"`
	Sessions  []*int   `json:"sessions"`
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

// ReportChart is the chart data of the dashboard.
func (v *View) ReportChart(p reportPage) reportChart {
	b := p.Body
	dims := strings.Split(b.By, ",")
	ch := reportChart{Titles: map[string]string{
		"employees": v.T("report_participants"), "sessions": v.T("report_sessions"),
		"satisfaction": v.T("report_satisfaction"), "wellbeing": v.T("report_wellbeing"),
	}}
	ch.ByKey = &chartBars{}
	ch.Risk = &chartStack{}
	for _, code := range report.RiskBands {
		ch.Risk.Series = append(ch.Risk.Series, chartSeries{Name: v.label(reportRiskKeys, code)})
	}
	for _, c := range b.Cells {
		if !onlyKey(c.Keys, 0) || c.Suppressed {
			continue
		}
		label := v.ReportKey(dims[0], c.Keys[0])
		ch.ByKey.Labels = append(ch.ByKey.Labels, label)
		ch.ByKey.Employees = append(ch.ByKey.Employees, c.Employees)
		ch.ByKey.Sessions = append(ch.ByKey.Sessions, c.Sessions)
		ch.Risk.Labels = append(ch.Risk.Labels, label)
		for i := range ch.Risk.Series {
			var n *int
			if i < len(c.Risk) && !c.Risk[i].Suppressed {
				n = c.Risk[i].Employees
			}
			ch.Risk.Series[i].Values = append(ch.Risk.Series[i].Values, n)
		}
	}
	if n := len(b.Cells); n > 0 && !b.Cells[n-1].Suppressed {
		ch.Obs = &chartBar{}
		for _, o := range b.Cells[n-1].Observations {
			ch.Obs.Labels = append(ch.Obs.Labels, v.label(reportObservationKeys, o.Code))
			ch.Obs.Values = append(ch.Obs.Values, o.Employees)
		}
	}
	if mi := slices.Index(dims, string(report.DimMonth)); mi >= 0 {
		ch.Trend, ch.Lines = v.reportTrend(b, dims, mi)
	}
	return ch
}

// reportTrend is satisfaction and WHO-5 by month (the month margin) and,
// with a second dimension, each of its keys' sessions by month.
func (v *View) reportTrend(b api.ReportBody, dims []string, mi int) (*chartTrend, *chartStack) {
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
		lines.Series[si].Values[mk] = c.Sessions
	}
	return tr, lines
}

// ContribDepartment says where the employee's sessions count by department.
func (v *View) ContribDepartment(c *store.Contribution) string {
	if c.Department == "" || c.Department == report.KeyOther {
		return v.T("privacy_contrib_company")
	}
	s := v.T("privacy_contrib_department", "Dept", v.ReportKey(string(report.DimDepartment), c.Department))
	if c.RolledUp {
		s += " " + v.T("privacy_contrib_rolled")
	}
	return s
}

// ContribMonths lists months in words.
func (v *View) ContribMonths(months []string) string {
	out := make([]string, len(months))
	for i, m := range months {
		out[i] = v.Month(m)
	}
	if v.Lang == "ja" {
		return strings.Join(out, "、")
	}
	return strings.Join(out, ", ")
}
