package billing

import (
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
)

// Booking statuses that the company pays for.
const (
	SessionHeld          = "completed"
	SessionLateCancelled = "late_cancelled"
	SessionNoShow        = "no_show"
)

// Billable reports whether a booking in status is charged to the company.
func Billable(status string) bool {
	return status == SessionHeld || status == SessionLateCancelled || status == SessionNoShow
}

// Term is one contract as it applies to one period: the plan, the days it
// covers, and the company's enrolled employees at the period's end.
type Term struct {
	ContractID uuid.UUID
	Plan       Plan
	Status     string // trial|active|ended
	StartsOn   string // YYYY-MM-DD
	EndsOn     *string
	Employees  int // enrolled (not disabled) at the period's end; per_seat bills these
}

// Session is a billable session as pricing sees it: no person, no day
// beyond the ordering.
type Session struct {
	BookingID uuid.UUID
	Status    string
	StartsAt  time.Time
}

// Priced is a contract's part of an invoice: its lines, and for each
// session the index of the line that bills it and the amount it carries.
type Priced struct {
	Lines   []Line
	LineOf  []int   // per input session: index into Lines
	Amounts []int64 // per input session: yen billed for it
}

// trial reports whether the term is charged nothing.
func (t Term) trial() bool { return t.Plan.IsTrial || t.Status == "trial" }

// coveredDays counts the period's days inside the contract.
func (t Term) coveredDays(p Period) int {
	first, last := p.Start(), p.End().AddDate(0, 0, -1)
	if s, err := parseDate(t.StartsOn); err == nil && s.After(first) {
		first = s
	}
	if t.EndsOn != nil {
		if e, err := parseDate(*t.EndsOn); err == nil && e.Before(last) {
			last = e
		}
	}
	if last.Before(first) {
		return 0
	}
	return int(last.Sub(first).Hours()/24+0.5) + 1
}

// prorate is price × covered/days, rounded down: a partial month pays for
// the days it covers.
func prorate(price int64, covered, days int) int64 {
	if covered >= days {
		return price
	}
	return price * int64(covered) / int64(days)
}

// Descriptions name kinds only, in Japanese then English: never a person,
// department or day.
var lineText = map[string][2]string{
	LinePlanFee:       {"月額基本料金", "Monthly plan fee"},
	LineSeats:         {"利用者数（シート）", "Enrolled employees (seats)"},
	LineSessions:      {"面談（実施）", "Held sessions"},
	LineLateCancelled: {"直前キャンセル", "Late cancellations"},
	LineNoShows:       {"無断欠席", "No-shows"},
	LineOverage:       {"超過面談", "Sessions beyond the plan"},
	LineAdjustment:    {"調整", "Adjustment"},
}

func describe(kind, noteJa, noteEn string) string {
	t := lineText[kind]
	return t[0] + noteJa + " / " + t[1] + noteEn
}

// PriceTerm turns one contract's period into lines. Sessions must belong to
// the period and the contract; lines with quantity 0 are left out, and a
// fee line only appears when it is above zero (a trial's session lines
// show ¥0 with the cap noted).
func PriceTerm(p Period, t Term, sessions []Session) Priced {
	out := Priced{LineOf: make([]int, len(sessions)), Amounts: make([]int64, len(sessions))}
	covered, days := t.coveredDays(p), p.Days()
	prorNoteJa, prorNoteEn := "", ""
	if covered > 0 && covered < days {
		prorNoteJa = fmt.Sprintf("（日割り %d/%d日）", covered, days)
		prorNoteEn = fmt.Sprintf(" (prorated %d/%d days)", covered, days)
	}
	plan := t.Plan
	if t.trial() {
		plan.MonthlyFeeJPY, plan.SessionPriceJPY, plan.SeatPriceJPY, plan.OveragePriceJPY = 0, 0, 0, 0
	}
	if fee := prorate(plan.MonthlyFeeJPY, covered, days); fee > 0 && covered > 0 {
		out.Lines = append(out.Lines, Line{Kind: LinePlanFee, Description: describe(LinePlanFee, prorNoteJa, prorNoteEn), Quantity: 1, UnitAmountJPY: fee, AmountJPY: fee})
	}
	if plan.Kind == KindPerSeat && covered > 0 && t.Employees > 0 {
		unit := prorate(plan.SeatPriceJPY, covered, days)
		out.Lines = append(out.Lines, Line{Kind: LineSeats, Description: describe(LineSeats, prorNoteJa, prorNoteEn),
			Quantity: int64(t.Employees), UnitAmountJPY: unit, AmountJPY: unit * int64(t.Employees)})
	}
	capJa, capEn := "", ""
	if t.trial() {
		capJa, capEn = "（トライアル）", " (trial)"
		if plan.SessionCap != nil {
			capJa = fmt.Sprintf("（トライアル・上限%d回）", *plan.SessionCap)
			capEn = fmt.Sprintf(" (trial, cap %d sessions)", *plan.SessionCap)
		}
	}
	// Order: held first, then late cancellations, then no-shows, each by
	// start; a subscription's allowance is used up in this order.
	order := make([]int, len(sessions))
	for i := range order {
		order[i] = i
	}
	rank := map[string]int{SessionHeld: 0, SessionLateCancelled: 1, SessionNoShow: 2}
	sort.SliceStable(order, func(a, b int) bool {
		sa, sb := sessions[order[a]], sessions[order[b]]
		if rank[sa.Status] != rank[sb.Status] {
			return rank[sa.Status] < rank[sb.Status]
		}
		return sa.StartsAt.Before(sb.StartsAt)
	})
	kindOf := map[string]string{SessionHeld: LineSessions, SessionLateCancelled: LineLateCancelled, SessionNoShow: LineNoShows}
	lineIdx := map[string]int{}
	add := func(i int, kind, noteJa, noteEn string, unit int64) {
		k, ok := lineIdx[kind]
		if !ok {
			k = len(out.Lines)
			lineIdx[kind] = k
			out.Lines = append(out.Lines, Line{Kind: kind, Description: describe(kind, noteJa, noteEn), UnitAmountJPY: unit})
		}
		out.Lines[k].Quantity++
		out.Lines[k].AmountJPY += unit
		out.LineOf[i] = k
		out.Amounts[i] = unit
	}
	used := 0
	for _, i := range order {
		kind := kindOf[sessions[i].Status]
		switch plan.Kind {
		case KindSubscription:
			if used < plan.IncludedSessions {
				used++
				add(i, kind, fmt.Sprintf("（プラン内・%d回まで）", plan.IncludedSessions)+capJa,
					fmt.Sprintf(" (included, up to %d)", plan.IncludedSessions)+capEn, 0)
			} else {
				add(i, LineOverage, capJa, capEn, plan.OveragePriceJPY)
			}
		default: // per_session, per_seat: each session at the session price
			add(i, kind, capJa, capEn, plan.SessionPriceJPY)
		}
	}
	return out
}

// Tax is the consumption tax on an invoice's subtotal, computed once and
// rounded down (toward minus infinity for a credit).
func Tax(subtotal int64) int64 {
	t := subtotal * TaxRatePercent
	q := t / 100
	if t%100 != 0 && t < 0 {
		q--
	}
	return q
}

// Subtotal adds up lines.
func Subtotal(lines []Line) int64 {
	var s int64
	for _, l := range lines {
		s += l.AmountJPY
	}
	return s
}
