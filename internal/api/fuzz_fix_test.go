package api_test

import (
	"fmt"
	"strconv"
	"time"

	"github.com/taiwa/taiwa/internal/demo"
)

// fuzzFixes make three in four of some operations' valid bodies likely to
// get past the domain's rules (which a schema cannot say), so that the
// writes behind them run too: a slot that was free at the start, a sane
// weekly schedule, a real sign-in, a plan whose code is the path's, a
// named enrolment with its template's dates, a Stripe event.
var fuzzFixes = map[string]func(g *fuzzGen, p *fuzzPlan){
	"createBooking": func(g *fuzzGen, p *fuzzPlan) {
		m, ok := p.body.(map[string]any)
		if !ok || len(g.world.slots) == 0 {
			return
		}
		s := g.world.slots[g.r.IntN(len(g.world.slots))]
		m["counselor_id"], m["start"], m["theme"], m["format"] = s.counselor, s.start, s.theme, s.format
		if _, ok := m["phone"]; !ok && s.format == "phone" {
			m["phone"] = "090-1234-5678" // a phone session needs its number
		}
		delete(m, "programme_step_id")
	},
	"setMyAvailability": func(g *fuzzGen, p *fuzzPlan) {
		m := p.body.(map[string]any)
		var weekly []any
		for day := 1; day <= 5; day++ {
			weekly = append(weekly, map[string]any{"weekday": int64(day), "start": "09:00", "end": "17:00"})
		}
		m["timezone"], m["weekly"], m["overrides"] = "Asia/Tokyo", weekly, []any{}
	},
	"signIn": func(g *fuzzGen, p *fuzzPlan) {
		m := p.body.(map[string]any)
		m["email"], m["password"] = fmt.Sprintf("emp%04d@sample-shoji.example", 2+g.r.IntN(200)), demo.Password
	},
	"updatePlan": func(g *fuzzGen, p *fuzzPlan) { delete(p.body.(map[string]any), "code") },
	"createProgramme": func(g *fuzzGen, p *fuzzPlan) {
		m := p.body.(map[string]any)
		m["mode"] = "named"
		delete(m, "department_id")
	},
	"enrolInProgramme": func(g *fuzzGen, p *fuzzPlan) {
		// The programme's mode decides the body; its template, the anchors.
		m := p.body.(map[string]any)
		prog := g.world.find("programme", p.pathVals["pid"])
		if len(prog) == 0 {
			prog = g.world.find("programme:company_admin", p.pathVals["pid"])
		}
		delete(m, "department_id")
		delete(m, "email")
		m["anchors"] = anchorsFor(g, prog["template"])
		m["employee_user_id"] = g.world.id(g.r, "employee_user", g.role)
		if g.r.IntN(2) == 0 {
			m["employee_user_id"] = g.world.own("me", "employee")
		}
		if prog["mode"] == "open" {
			delete(m, "employee_user_id")
		}
	},
	"changeContract": func(g *fuzzGen, p *fuzzPlan) {
		m := p.body.(map[string]any)
		first := time.Date(g.now.Year(), g.now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 1+g.r.IntN(3), 0)
		m["starts_on"] = first.Format(time.DateOnly)
		m["ends_on"] = first.AddDate(1, 0, -1).Format(time.DateOnly)
		m["plan_code"] = pick(g.r, "per_session", "subscription", "per_seat")
	},
	"endContract": func(g *fuzzGen, p *fuzzPlan) {
		first := time.Date(g.now.Year(), g.now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 2+g.r.IntN(3), 0)
		p.body.(map[string]any)["ends_on"] = first.AddDate(0, 0, -1).Format(time.DateOnly)
	},
	"receiveStripeEvent": func(g *fuzzGen, p *fuzzPlan) {
		m := p.body.(map[string]any)
		for k := range m {
			delete(m, k)
		}
		m["id"], m["object"], m["api_version"], m["created"] = "evt_fuzz"+strconv.Itoa(g.r.IntN(1e6)), "event", "2023-10-16", g.now.Unix()
		m["type"] = pick(g.r, "invoice.paid", "invoice.finalized", "customer.created")
		m["data"] = map[string]any{"object": map[string]any{"id": "in_fuzz", "object": "invoice", "status": "paid",
			"metadata": map[string]any{"taiwa_invoice_id": g.world.id(g.r, "invoice", g.role)}}}
	},
}

// anchorsFor are the dates a programme template's enrolment needs.
func anchorsFor(g *fuzzGen, template string) map[string]any {
	day := func(d int) string { return g.now.AddDate(0, 0, d).Format(time.DateOnly) }
	switch template {
	case "high_stress_followup":
		return map[string]any{"interview_on": day(-7)}
	case "return_to_work":
		return map[string]any{"leave_on": day(-60), "return_on": day(14)}
	case "onboarding":
		return map[string]any{"start_on": day(0)}
	case "exit_interview":
		return map[string]any{"last_day_on": day(30)}
	}
	return map[string]any{}
}
