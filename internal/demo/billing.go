package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/billing"
)

// seedBilling bills the demo companies' past months with the real run
// (inside the seed's transaction, nothing pushed to Stripe), then sets the
// states a live system would have reached: months before the last two
// paid, the month before last overdue for one company (open past its due
// date) and paid for the other, last month open; counsellors' payouts paid
// up to the month before last, last month's due.
func seedBilling(ctx context.Context, tx *sqlx.Tx, now time.Time) (int, error) {
	var first *time.Time
	if err := tx.GetContext(ctx, &first, `SELECT min(starts_at) FROM bookings`); err != nil {
		return 0, fmt.Errorf("billing: %w", err)
	}
	if first == nil {
		return 0, nil
	}
	last := billing.PeriodOf(now).Prev()
	created := 0
	for p := billing.PeriodOf(*first); p.Start().Before(last.End()); p = p.Next() {
		res, err := billing.BillPeriodTx(ctx, tx, p)
		if err != nil {
			return 0, fmt.Errorf("billing %s: %w", p, err)
		}
		created += res.InvoicesCreated
	}
	before := last.Prev()
	// Paid: everything older than the last two months, and the month before
	// last of all but the first company (by name) — that one stays open and,
	// its due date past, reads as overdue.
	if _, err := tx.ExecContext(ctx, `
		UPDATE invoices i SET status = 'paid', sent_at = (i.issued_on::timestamp AT TIME ZONE 'Asia/Tokyo') + interval '9 hours',
		  paid_at = (i.due_on::timestamp AT TIME ZONE 'Asia/Tokyo') - interval '5 days'
		WHERE i.period < $1
		   OR (i.period = $1 AND i.company_id <> (SELECT id FROM companies WHERE id IN (SELECT company_id FROM invoices) ORDER BY name LIMIT 1))`,
		before.String()); err != nil {
		return 0, fmt.Errorf("billing: paid: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE invoices i SET status = 'open', sent_at = (i.issued_on::timestamp AT TIME ZONE 'Asia/Tokyo') + interval '9 hours'
		WHERE i.status = 'not_sent' AND i.period >= $1`, before.String()); err != nil {
		return 0, fmt.Errorf("billing: open: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE payouts SET status = 'paid', paid_at = ((period || '-01')::date + interval '1 month 24 days') AT TIME ZONE 'Asia/Tokyo'
		WHERE period < $1`, last.String()); err != nil {
		return 0, fmt.Errorf("billing: payouts: %w", err)
	}
	return created, nil
}
