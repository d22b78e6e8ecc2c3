package programme

import (
	"fmt"
	"sort"
	"time"

	"github.com/taiwa/taiwa/internal/platform/japan"
)

// The templates' codes (also the booking theme each step is booked under).
const (
	TemplateHighStress   = "high_stress_followup"
	TemplateReturnToWork = "return_to_work"
	TemplateOnboarding   = "onboarding"
	TemplateExit         = "exit_interview"
)

// The anchors a template's dates hang on.
const (
	AnchorInterview = "interview_on" // the high-stress interview with the physician
	AnchorLeave     = "leave_on"     // the first day of leave
	AnchorReturn    = "return_on"    // the first day back at work
	AnchorStart     = "start_on"     // the first working day
	AnchorLastDay   = "last_day_on"  // the last working day
)

// Policy is how a declined step is invited again: after Interval days, at
// most MaxReinvites times; after that the step closes as not held.
type Policy struct {
	IntervalDays int `json:"interval_days"`
	MaxReinvites int `json:"max_reinvites"`
}

// StepDef is one step of a template: Months and Days after (negative:
// before) the anchor; a step with DeadlineAnchor has no point from that
// anchor's date plus DeadlineDays on, and closes unheld.
type StepDef struct {
	Key            string
	Anchor         string
	Months, Days   int
	DeadlineAnchor string
	DeadlineDays   int
}

// Template is one programme kind drawn from occupational-health practice.
type Template struct {
	Code    string
	Theme   string // the booking theme of its sessions
	Anchors []string
	Steps   []StepDef
	Policy  Policy
	// Open: the template may run as an open invitation (a group); the
	// others only as named enrolments (their dates are one person's).
	Open bool
}

// Templates are the programme kinds, in display order.
var Templates = []Template{
	{Code: TemplateHighStress, Theme: "high_stress_followup", Anchors: []string{AnchorInterview}, Open: true,
		Policy: Policy{IntervalDays: 14, MaxReinvites: 2},
		Steps: []StepDef{
			{Key: "month_1", Anchor: AnchorInterview, Months: 1},
			{Key: "month_3", Anchor: AnchorInterview, Months: 3},
			{Key: "month_6", Anchor: AnchorInterview, Months: 6},
		}},
	{Code: TemplateReturnToWork, Theme: "return_to_work", Anchors: []string{AnchorLeave, AnchorReturn},
		Policy: Policy{IntervalDays: 7, MaxReinvites: 2},
		Steps: []StepDef{
			{Key: "before_leave", Anchor: AnchorLeave, Days: -14, DeadlineAnchor: AnchorLeave},
			{Key: "before_return", Anchor: AnchorReturn, Days: -7, DeadlineAnchor: AnchorReturn},
			{Key: "after_1_month", Anchor: AnchorReturn, Months: 1},
			{Key: "after_3_months", Anchor: AnchorReturn, Months: 3},
		}},
	{Code: TemplateOnboarding, Theme: "onboarding", Anchors: []string{AnchorStart}, Open: true,
		Policy: Policy{IntervalDays: 14, MaxReinvites: 1},
		Steps: []StepDef{
			{Key: "month_1", Anchor: AnchorStart, Months: 1},
			{Key: "month_3", Anchor: AnchorStart, Months: 3},
			{Key: "month_6", Anchor: AnchorStart, Months: 6},
		}},
	{Code: TemplateExit, Theme: "exit_interview", Anchors: []string{AnchorLastDay},
		Policy: Policy{IntervalDays: 4, MaxReinvites: 1},
		Steps: []StepDef{
			{Key: "exit", Anchor: AnchorLastDay, Days: -14, DeadlineAnchor: AnchorLastDay, DeadlineDays: 1},
		}},
}

// TemplateByCode finds a template.
func TemplateByCode(code string) (Template, bool) {
	for _, t := range Templates {
		if t.Code == code {
			return t, true
		}
	}
	return Template{}, false
}

// jst is the calendar dates are counted in.
var jst = japan.Zone // the platform's calendar

// Today is now's date in Japan, as midnight UTC of that date.
func Today(now time.Time) time.Time {
	y, m, d := now.In(jst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ParseDate reads YYYY-MM-DD as midnight UTC.
func ParseDate(s string) (time.Time, error) {
	return time.Parse(time.DateOnly, s)
}

// AddMonths moves d by n months, keeping the day but clamping it to the
// target month's last day (Jan 31 + 1 month = Feb 28, or 29 in a leap
// year), as people count "one month after".
func AddMonths(d time.Time, n int) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, time.UTC)
}

// PlannedStep is a step's dates computed from the anchors.
type PlannedStep struct {
	Seq      int
	Key      string
	DueOn    time.Time
	Deadline *time.Time
}

// Plan computes every step's due date (and deadline) from the anchors,
// checking that each anchor the template needs is there, and that a
// return comes after the leave.
func (t Template) Plan(anchors map[string]time.Time) ([]PlannedStep, error) {
	fields := map[string]string{}
	for _, a := range t.Anchors {
		if _, ok := anchors[a]; !ok {
			fields["anchors."+a] = "is required for " + t.Code
		}
	}
	for a := range anchors {
		if !contains(t.Anchors, a) {
			fields["anchors."+a] = "is not an anchor of " + t.Code
		}
	}
	if len(fields) > 0 {
		return nil, fieldsError(fields)
	}
	if l, r := anchors[AnchorLeave], anchors[AnchorReturn]; t.Code == TemplateReturnToWork && !r.After(l) {
		return nil, fieldsError(map[string]string{"anchors." + AnchorReturn: "must be after leave_on"})
	}
	out := make([]PlannedStep, 0, len(t.Steps))
	for i, s := range t.Steps {
		due := AddMonths(anchors[s.Anchor], s.Months).AddDate(0, 0, s.Days)
		p := PlannedStep{Seq: i + 1, Key: s.Key, DueOn: due}
		if s.DeadlineAnchor != "" {
			dl := anchors[s.DeadlineAnchor].AddDate(0, 0, s.DeadlineDays)
			p.Deadline = &dl
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DueOn.Before(out[j].DueOn) })
	for i := range out {
		out[i].Seq = i + 1
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// ParseAnchors reads {"return_on":"2026-12-01",…}; a bad date is a 400
// naming anchors.<name>.
func ParseAnchors(in map[string]string) (map[string]time.Time, error) {
	out := make(map[string]time.Time, len(in))
	fields := map[string]string{}
	for k, v := range in {
		d, err := ParseDate(v)
		if err != nil {
			fields["anchors."+k] = "must be a date YYYY-MM-DD"
			continue
		}
		if d.Year() < 2000 || d.Year() > 2100 {
			fields["anchors."+k] = "must be between 2000 and 2100"
			continue
		}
		out[k] = d
	}
	if len(fields) > 0 {
		return nil, fieldsError(fields)
	}
	return out, nil
}

// formatAnchors is the stored form of anchors.
func formatAnchors(a map[string]time.Time) map[string]string {
	out := make(map[string]string, len(a))
	for k, v := range a {
		out[k] = v.Format(time.DateOnly)
	}
	return out
}

func dateString(d time.Time) string { return d.Format(time.DateOnly) }

// monthString is the month HR is told a step falls in.
func monthString(d time.Time) string { return fmt.Sprintf("%04d-%02d", d.Year(), d.Month()) }
