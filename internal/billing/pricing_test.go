package billing_test

import (
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/billing"
)

func TestTaxIsTenPercentRoundedDownOncePerInvoice(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ subtotal, tax int64 }{
		{0, 0}, {9, 0}, {10, 1}, {19, 1}, {12345, 1234}, {75000, 7500}, {300001, 30000}, {-15000, -1500}, {-9, -1},
	} {
		if got := billing.Tax(c.subtotal); got != c.tax {
			t.Errorf("Tax(%d) = %d, want %d", c.subtotal, got, c.tax)
		}
	}
}

func TestParsePeriodRefusesMalformedAndAbsurdMonths(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-1", "26-01", "1999-12", "3000-01", "2026-01-01", "abcd-ef", "2026/01"} {
		if _, err := billing.ParsePeriod(bad); err == nil {
			t.Errorf("ParsePeriod(%q) accepted", bad)
		}
	}
	p, err := billing.ParsePeriod("2026-02")
	if err != nil || p.Days() != 28 || p.IssuedOn() != "2026-03-01" || p.DueOn() != "2026-03-31" || p.Prev().String() != "2026-01" {
		t.Fatalf("2026-02: %v %d %s %s", err, p.Days(), p.IssuedOn(), p.DueOn())
	}
	if d, _ := billing.ParsePeriod("2028-02"); d.Days() != 29 {
		t.Fatalf("leap February: %d days", d.Days())
	}
}

func TestPeriodOfUsesJapanTime(t *testing.T) {
	t.Parallel()
	// 2026-03-31 15:00 UTC is 2026-04-01 00:00 JST.
	if p := billing.PeriodOf(time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)); p.String() != "2026-04" {
		t.Fatalf("period = %s, want 2026-04", p)
	}
	if p := billing.PeriodOf(time.Date(2026, 3, 31, 14, 59, 59, 0, time.UTC)); p.String() != "2026-03" {
		t.Fatalf("period = %s, want 2026-03", p)
	}
}

func sessions(held, late, noShow int) []billing.Session {
	var out []billing.Session
	at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	add := func(n int, status string) {
		for i := 0; i < n; i++ {
			out = append(out, billing.Session{Status: status, StartsAt: at})
			at = at.Add(time.Hour)
		}
	}
	add(noShow, billing.SessionNoShow) // out of order on purpose
	add(late, billing.SessionLateCancelled)
	add(held, billing.SessionHeld)
	return out
}

type wantLine struct {
	kind      string
	qty, unit int64
}

func TestPriceTermForEveryPlanKind(t *testing.T) {
	t.Parallel()
	cap10 := 10
	perSession := billing.Plan{Code: "per_session", Kind: billing.KindPerSession, SessionPriceJPY: 15000}
	sub := billing.Plan{Code: "subscription", Kind: billing.KindSubscription, MonthlyFeeJPY: 300000, IncludedSessions: 3, OveragePriceJPY: 12000}
	seat := billing.Plan{Code: "per_seat", Kind: billing.KindPerSeat, SeatPriceJPY: 800}
	trial := billing.Plan{Code: "trial", Kind: billing.KindPerSession, IsTrial: true, SessionCap: &cap10}
	march, _ := billing.ParsePeriod("2026-03")
	feb, _ := billing.ParsePeriod("2026-02")
	end := func(s string) *string { return &s }
	cases := []struct {
		name     string
		period   billing.Period
		term     billing.Term
		sessions []billing.Session
		want     []wantLine
	}{
		{"per session, one line per kind", march, billing.Term{Plan: perSession, StartsOn: "2025-01-01"}, sessions(2, 1, 1),
			[]wantLine{{"sessions", 2, 15000}, {"late_cancellations", 1, 15000}, {"no_shows", 1, 15000}}},
		{"per session, nothing held: no lines", march, billing.Term{Plan: perSession, StartsOn: "2025-01-01"}, nil, nil},
		{"subscription within the allowance", march, billing.Term{Plan: sub, StartsOn: "2025-01-01"}, sessions(2, 1, 0),
			[]wantLine{{"plan_fee", 1, 300000}, {"sessions", 2, 0}, {"late_cancellations", 1, 0}}},
		{"subscription overage: held first use the allowance", march, billing.Term{Plan: sub, StartsOn: "2025-01-01"}, sessions(3, 1, 1),
			[]wantLine{{"plan_fee", 1, 300000}, {"sessions", 3, 0}, {"overage", 2, 12000}}},
		{"subscription starting mid-month is prorated by days, rounded down", march, billing.Term{Plan: sub, StartsOn: "2026-03-11"}, nil,
			[]wantLine{{"plan_fee", 1, 300000 * 21 / 31}}},
		{"subscription ending mid-February", feb, billing.Term{Plan: sub, StartsOn: "2025-01-01", EndsOn: end("2026-02-14")}, nil,
			[]wantLine{{"plan_fee", 1, 150000}}},
		{"contract ended before the period: no fee", march, billing.Term{Plan: sub, StartsOn: "2025-01-01", EndsOn: end("2026-02-28")}, nil, nil},
		{"per seat bills enrolled employees", march, billing.Term{Plan: seat, StartsOn: "2025-01-01", Employees: 320}, sessions(1, 0, 0),
			[]wantLine{{"seats", 320, 800}, {"sessions", 1, 0}}},
		{"per seat prorated unit", march, billing.Term{Plan: seat, StartsOn: "2026-03-17", Employees: 10}, nil,
			[]wantLine{{"seats", 10, 800 * 15 / 31}}},
		{"trial at its cap is free, cap noted", march, billing.Term{Plan: trial, Status: "trial", StartsOn: "2026-03-01", EndsOn: end("2026-03-31")}, sessions(10, 0, 0),
			[]wantLine{{"sessions", 10, 0}}},
		{"a trial contract of a paid plan is free", march, billing.Term{Plan: perSession, Status: "trial", StartsOn: "2026-03-01"}, sessions(1, 0, 0),
			[]wantLine{{"sessions", 1, 0}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := billing.PriceTerm(c.period, c.term, c.sessions)
			if len(got.Lines) != len(c.want) {
				t.Fatalf("lines = %+v, want %+v", got.Lines, c.want)
			}
			for i, w := range c.want {
				l := got.Lines[i]
				if l.Kind != w.kind || l.Quantity != w.qty || l.UnitAmountJPY != w.unit || l.AmountJPY != w.qty*w.unit {
					t.Errorf("line %d = %+v, want %+v", i, l, w)
				}
			}
			// Every session sits on exactly one line whose quantity counts it.
			count := make([]int64, len(got.Lines))
			for i := range c.sessions {
				count[got.LineOf[i]]++
				if got.Amounts[i] != got.Lines[got.LineOf[i]].UnitAmountJPY {
					t.Errorf("session %d amount %d on a line of unit %d", i, got.Amounts[i], got.Lines[got.LineOf[i]].UnitAmountJPY)
				}
			}
			for i, l := range got.Lines {
				if (l.Kind == "sessions" || l.Kind == "late_cancellations" || l.Kind == "no_shows" || l.Kind == "overage") && count[i] != l.Quantity {
					t.Errorf("line %s quantity %d but %d sessions", l.Kind, l.Quantity, count[i])
				}
			}
			if c.term.Plan.IsTrial {
				for _, l := range got.Lines {
					if l.Kind == "sessions" && l.Description != "面談（実施）（トライアル・上限10回） / Held sessions (trial, cap 10 sessions)" {
						t.Errorf("trial description %q", l.Description)
					}
				}
			}
		})
	}
}
