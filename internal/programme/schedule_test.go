package programme_test

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/programme"
)

func day(s string) time.Time {
	d, err := programme.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func dayPtr(s string) *time.Time { d := day(s); return &d }

func TestAddMonthsClampsToTheMonthsLastDay(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2026-01-31", 1, "2026-02-28"},
		{"2028-01-31", 1, "2028-02-29"}, // leap year
		{"2026-01-31", 3, "2026-04-30"},
		{"2026-03-31", -1, "2026-02-28"},
		{"2026-08-31", 6, "2027-02-28"},
		{"2027-08-29", 6, "2028-02-29"},
		{"2026-11-30", 3, "2027-02-28"},
		{"2026-12-15", 1, "2027-01-15"},
		{"2026-05-10", 0, "2026-05-10"},
	} {
		if got := programme.AddMonths(day(c.from), c.n).Format(time.DateOnly); got != c.want {
			t.Errorf("%s %+d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
}

func TestTodayIsTheDateInJapan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		utc  string
		want string
	}{
		{"2026-03-31T14:59:59Z", "2026-03-31"},
		{"2026-03-31T15:00:00Z", "2026-04-01"}, // 00:00 JST
		{"2028-02-28T15:30:00Z", "2028-02-29"},
	} {
		now, _ := time.Parse(time.RFC3339, c.utc)
		if got := programme.Today(now).Format(time.DateOnly); got != c.want {
			t.Errorf("Today(%s) = %s, want %s", c.utc, got, c.want)
		}
	}
}

func TestPlanDueDatesPerTemplate(t *testing.T) {
	t.Parallel()
	type step struct{ key, due, deadline string }
	for _, c := range []struct {
		template string
		anchors  map[string]string
		want     []step
	}{
		{programme.TemplateHighStress, map[string]string{"interview_on": "2026-01-31"}, []step{
			{"month_1", "2026-02-28", ""}, {"month_3", "2026-04-30", ""}, {"month_6", "2026-07-31", ""}}},
		{programme.TemplateReturnToWork, map[string]string{"leave_on": "2026-06-01", "return_on": "2026-12-01"}, []step{
			{"before_leave", "2026-05-18", "2026-06-01"}, {"before_return", "2026-11-24", "2026-12-01"},
			{"after_1_month", "2027-01-01", ""}, {"after_3_months", "2027-03-01", ""}}},
		{programme.TemplateReturnToWork, map[string]string{"leave_on": "2027-12-01", "return_on": "2028-01-31"}, []step{
			{"before_leave", "2027-11-17", "2027-12-01"}, {"before_return", "2028-01-24", "2028-01-31"},
			{"after_1_month", "2028-02-29", ""}, {"after_3_months", "2028-04-30", ""}}},
		{programme.TemplateOnboarding, map[string]string{"start_on": "2026-04-01"}, []step{
			{"month_1", "2026-05-01", ""}, {"month_3", "2026-07-01", ""}, {"month_6", "2026-10-01", ""}}},
		{programme.TemplateExit, map[string]string{"last_day_on": "2026-03-31"}, []step{
			{"exit", "2026-03-17", "2026-04-01"}}},
	} {
		tpl, _ := programme.TemplateByCode(c.template)
		a, err := programme.ParseAnchors(c.anchors)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := tpl.Plan(a)
		if err != nil {
			t.Fatalf("%s: %v", c.template, err)
		}
		if len(plan) != len(c.want) {
			t.Fatalf("%s: %d steps, want %d", c.template, len(plan), len(c.want))
		}
		for i, w := range c.want {
			p := plan[i]
			dl := ""
			if p.Deadline != nil {
				dl = p.Deadline.Format(time.DateOnly)
			}
			if p.Seq != i+1 || p.Key != w.key || p.DueOn.Format(time.DateOnly) != w.due || dl != w.deadline {
				t.Errorf("%s step %d = %d %s %s %s, want %s %s %s", c.template, i, p.Seq, p.Key, p.DueOn.Format(time.DateOnly), dl, w.key, w.due, w.deadline)
			}
		}
	}
}

func TestPlanRefusesMissingForeignAndBackwardAnchors(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		template string
		anchors  map[string]string
		field    string
	}{
		{programme.TemplateReturnToWork, map[string]string{"leave_on": "2026-06-01"}, "anchors.return_on"},
		{programme.TemplateReturnToWork, map[string]string{"leave_on": "2026-06-01", "return_on": "2026-05-01"}, "anchors.return_on"},
		{programme.TemplateHighStress, map[string]string{"interview_on": "2026-06-01", "start_on": "2026-06-01"}, "anchors.start_on"},
		{programme.TemplateExit, map[string]string{}, "anchors.last_day_on"},
	} {
		tpl, _ := programme.TemplateByCode(c.template)
		a, err := programme.ParseAnchors(c.anchors)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tpl.Plan(a)
		if !hasField(err, c.field) {
			t.Errorf("%s %v: error %v, want field %s", c.template, c.anchors, err, c.field)
		}
	}
	for _, bad := range []string{"2026-02-30", "26-1-1", "", "2026-13-01", "1999-12-31"} {
		if _, err := programme.ParseAnchors(map[string]string{"leave_on": bad}); !hasField(err, "anchors.leave_on") {
			t.Errorf("anchor %q: error %v, want a field error", bad, err)
		}
	}
}

func TestNextActionInvitesOnlyWhenDueAndNeverAfterClose(t *testing.T) {
	t.Parallel()
	const (
		none     = programme.ActNone
		invite   = programme.ActInvite
		reinvite = programme.ActReinvite
		closeIt  = programme.ActClose
	)
	for _, c := range []struct {
		name  string
		st    programme.StepStatus
		today string
		want  programme.Action
	}{
		{"scheduled before due", programme.StepStatus{State: "scheduled", DueOn: day("2026-05-01")}, "2026-04-30", none},
		{"scheduled on due", programme.StepStatus{State: "scheduled", DueOn: day("2026-05-01")}, "2026-05-01", invite},
		{"scheduled after due (missed run)", programme.StepStatus{State: "scheduled", DueOn: day("2026-05-01")}, "2026-05-09", invite},
		{"invited stays", programme.StepStatus{State: "invited", DueOn: day("2026-05-01"), InviteCount: 1}, "2026-09-01", none},
		{"declined before re-invite date", programme.StepStatus{State: "declined", DueOn: day("2026-05-01"), NextInviteOn: dayPtr("2026-05-15"), InviteCount: 1}, "2026-05-14", none},
		{"declined on re-invite date", programme.StepStatus{State: "declined", DueOn: day("2026-05-01"), NextInviteOn: dayPtr("2026-05-15"), InviteCount: 1}, "2026-05-15", reinvite},
		{"booked", programme.StepStatus{State: "booked", DueOn: day("2026-05-01"), Deadline: dayPtr("2026-05-02")}, "2026-06-01", none},
		{"held", programme.StepStatus{State: "held", DueOn: day("2026-05-01")}, "2026-06-01", none},
		{"closed", programme.StepStatus{State: "closed", DueOn: day("2026-05-01"), Deadline: dayPtr("2026-05-02")}, "2026-06-01", none},
		{"scheduled past deadline", programme.StepStatus{State: "scheduled", DueOn: day("2026-05-01"), Deadline: dayPtr("2026-05-10")}, "2026-05-10", closeIt},
		{"invited past deadline", programme.StepStatus{State: "invited", DueOn: day("2026-05-01"), Deadline: dayPtr("2026-05-10"), InviteCount: 1}, "2026-05-11", closeIt},
		{"declined past deadline", programme.StepStatus{State: "declined", DueOn: day("2026-05-01"), Deadline: dayPtr("2026-05-10"), NextInviteOn: dayPtr("2026-05-12")}, "2026-05-12", closeIt},
		{"scheduled before deadline on due", programme.StepStatus{State: "scheduled", DueOn: day("2026-05-01"), Deadline: dayPtr("2026-05-10")}, "2026-05-01", invite},
	} {
		if got := programme.NextAction(c.st, day(c.today)); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestAfterDeclineReinvitesAfterTheIntervalUpToTheLimit(t *testing.T) {
	t.Parallel()
	p := programme.Policy{IntervalDays: 14, MaxReinvites: 2}
	for _, c := range []struct {
		name     string
		invites  int
		deadline *time.Time
		today    string
		state    string
		next     string
	}{
		{"first decline", 1, nil, "2026-01-20", "declined", "2026-02-03"},
		{"second decline", 2, nil, "2026-02-03", "declined", "2026-02-17"},
		{"third decline: limit reached", 3, nil, "2026-02-17", "closed", ""},
		{"over the limit stays closed", 5, nil, "2026-02-17", "closed", ""},
		{"re-invite would fall on the deadline", 1, dayPtr("2026-02-03"), "2026-01-20", "closed", ""},
		{"re-invite before the deadline", 1, dayPtr("2026-02-04"), "2026-01-20", "declined", "2026-02-03"},
		{"across a leap day", 1, nil, "2028-02-20", "declined", "2028-03-05"},
	} {
		state, next := programme.AfterDecline(p, c.invites, c.deadline, day(c.today))
		n := ""
		if next != nil {
			n = next.Format(time.DateOnly)
		}
		if state != c.state || n != c.next {
			t.Errorf("%s: %s %s, want %s %s", c.name, state, n, c.state, c.next)
		}
	}
	if s, _ := programme.AfterDecline(programme.Policy{IntervalDays: 7}, 1, nil, day("2026-01-01")); s != "closed" {
		t.Errorf("a policy without re-invitations closes at the first decline, got %s", s)
	}
}
