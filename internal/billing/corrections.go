package billing

import (
	"context"
	"fmt"
	"sort"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
)

// lateRow is a session of an already invoiced month that became billable
// after that invoice was made, with its contract's plan.
type lateRow struct {
	BookingID uuid.UUID `db:"id"`
	Status    string    `db:"status"`
	Period    string    `db:"period"`
	Used      int       `db:"used"` // sessions already billed in that month
	Plan
	ContractStatus string `db:"contract_status"`
}

// addCorrections puts on the invoice being built: sessions of earlier
// invoiced months that became billable since (positive adjustments),
// billed sessions that stopped being billable (negative adjustments,
// reversing exactly what was billed), and pending manual adjustments. A
// sent invoice is never rewritten.
func addCorrections(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, p Period, d *draft) error {
	var late []lateRow
	if err := tx.SelectContext(ctx, &late, `
		WITH l AS (
		  SELECT b.id, b.status, b.starts_at, b.contract_id, to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS period
		  FROM bookings b
		  WHERE b.company_id = $1 AND b.starts_at < $2 AND b.contract_id IS NOT NULL
		    AND b.status IN ('completed', 'late_cancelled', 'no_show')
		    AND NOT EXISTS (SELECT 1 FROM billed_sessions s WHERE s.booking_id = b.id AND s.reversed_invoice_id IS NULL))
		SELECT l.id, l.status, l.period, k.status AS contract_status,
		  (SELECT count(*) FROM billed_sessions s WHERE s.company_id = $1 AND s.period = l.period AND s.reversed_invoice_id IS NULL) AS used,
		  p.code, p.name_ja, p.name_en, p.kind, p.is_trial, p.monthly_fee_jpy, p.session_price_jpy, p.seat_price_jpy,
		  p.included_sessions, p.overage_price_jpy, p.session_cap, p.late_cancel_notice_h, p.active
		FROM l JOIN contracts k ON k.company_id = $1 AND k.id = l.contract_id JOIN plans p ON p.code = k.plan_code
		WHERE EXISTS (SELECT 1 FROM invoices i WHERE i.company_id = $1 AND i.period = l.period)
		ORDER BY l.starts_at, l.id`, companyID, p.Start()); err != nil {
		return fmt.Errorf("late sessions: %w", err)
	}
	usedExtra := map[string]int{}
	adds := map[int64][]int{} // unit price → indexes into late
	for i, l := range late {
		unit := latePrice(l, usedExtra[l.Period])
		usedExtra[l.Period]++
		adds[unit] = append(adds[unit], i)
	}
	for _, unit := range sortedUnits(adds) {
		idx := adds[unit]
		line := len(d.lines)
		d.lines = append(d.lines, Line{Kind: LineAdjustment,
			Description: describe(LineAdjustment, "：前月以前の追加計上分", ": sessions of earlier months billed late"),
			Quantity:    int64(len(idx)), UnitAmountJPY: unit, AmountJPY: unit * int64(len(idx))})
		for _, i := range idx {
			d.billed = append(d.billed, billedRow{bookingID: late[i].BookingID, period: late[i].Period, status: late[i].Status, line: line, amount: unit})
		}
	}

	var rev []reversal
	if err := tx.SelectContext(ctx, &rev, `
		SELECT s.booking_id, s.invoice_id, s.amount_jpy FROM billed_sessions s
		JOIN bookings b ON b.company_id = s.company_id AND b.id = s.booking_id
		WHERE s.company_id = $1 AND s.reversed_invoice_id IS NULL AND b.status NOT IN ('completed', 'late_cancelled', 'no_show')
		ORDER BY s.created_at, s.booking_id`, companyID); err != nil {
		return fmt.Errorf("reversals: %w", err)
	}
	subs := map[int64][]int{}
	for i, r := range rev {
		subs[r.AmountJPY] = append(subs[r.AmountJPY], i)
	}
	for _, unit := range sortedUnits(subs) {
		idx := subs[unit]
		line := len(d.lines)
		d.lines = append(d.lines, Line{Kind: LineAdjustment,
			Description: describe(LineAdjustment, "：請求済み面談の取消", ": billed sessions reversed"),
			Quantity:    -int64(len(idx)), UnitAmountJPY: unit, AmountJPY: -unit * int64(len(idx))})
		for _, i := range idx {
			rev[i].line = line
			d.reversals = append(d.reversals, rev[i])
		}
	}

	if err := tx.SelectContext(ctx, &d.manual, `
		SELECT id, amount_jpy, description FROM billing_adjustments
		WHERE company_id = $1 AND invoice_id IS NULL ORDER BY created_at, id`, companyID); err != nil {
		return fmt.Errorf("manual adjustments: %w", err)
	}
	for i, m := range d.manual {
		d.manual[i].line = len(d.lines)
		d.lines = append(d.lines, Line{Kind: LineAdjustment, Description: describe(LineAdjustment, "："+m.Description, ": "+m.Description),
			Quantity: 1, UnitAmountJPY: m.AmountJPY, AmountJPY: m.AmountJPY})
	}
	return nil
}

// latePrice is what a late session costs: its plan's session price, or for
// a subscription nothing while that month's allowance lasts and the
// overage price after; a trial's sessions are free.
func latePrice(l lateRow, extra int) int64 {
	if l.IsTrial || l.ContractStatus == "trial" {
		return 0
	}
	if l.Kind == KindSubscription {
		if l.Used+extra < l.IncludedSessions {
			return 0
		}
		return l.OveragePriceJPY
	}
	return l.SessionPriceJPY
}

func sortedUnits(m map[int64][]int) []int64 {
	units := make([]int64, 0, len(m))
	for u := range m {
		units = append(units, u)
	}
	sort.Slice(units, func(i, j int) bool { return units[i] > units[j] })
	return units
}
