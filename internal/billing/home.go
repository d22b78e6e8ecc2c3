package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// UnpaidTx lists companyID's invoices still to be paid (not sent, open or
// overdue), oldest due first, inside the caller's transaction (a scope of
// that company): what HR's home says is due.
func UnpaidTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, companyID uuid.UUID, now time.Time) ([]Invoice, error) {
	if _, err := invoiceScope(actor, companyID); err != nil {
		return nil, err
	}
	out := []Invoice{}
	if err := tx.SelectContext(ctx, &out, `SELECT `+invoiceColumns+`
		FROM invoices i JOIN companies c ON c.id = i.company_id
		WHERE i.company_id = $1 AND i.status IN ('not_sent', 'open')
		ORDER BY i.due_on, i.period`, companyID); err != nil {
		return nil, fmt.Errorf("billing: unpaid invoices: %w", err)
	}
	for i := range out {
		withOverdue(&out[i], now)
	}
	return out, nil
}

// LastRun is the newest billing run, as operators' home shows it.
type LastRun struct {
	Period     string     `db:"period"`
	StartedAt  time.Time  `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"` // nil: still running or killed
	Created    int        `db:"invoices_created"`
	Unchanged  int        `db:"invoices_unchanged"`
}

// LastRunTx is the newest billing run (ok false when none ran yet),
// inside the caller's transaction (an operator's scope).
func LastRunTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (run LastRun, ok bool, err error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return run, false, err
	}
	err = tx.GetContext(ctx, &run, `SELECT period, started_at, finished_at, invoices_created, invoices_unchanged
		FROM billing_runs ORDER BY started_at DESC, id LIMIT 1`)
	if db.IsNoRows(err) {
		return run, false, nil
	}
	if err != nil {
		return run, false, fmt.Errorf("billing: last run: %w", err)
	}
	return run, true, nil
}

// PayoutsDue counts the payouts owed to counsellors and their total.
type PayoutsDue struct {
	Count    int    `db:"n"`
	TotalJPY int64  `db:"total"`
	Oldest   string `db:"oldest"` // the oldest period owed, "" when none
}

// PayoutsDueTx sums the due payouts, inside the caller's transaction (an
// operator's scope).
func PayoutsDueTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (PayoutsDue, error) {
	var out PayoutsDue
	if err := actor.Require(auth.RoleOperator); err != nil {
		return out, err
	}
	err := tx.GetContext(ctx, &out, `SELECT count(*) AS n, COALESCE(sum(amount_jpy), 0) AS total, COALESCE(min(period), '') AS oldest
		FROM payouts WHERE status = 'due'`)
	if err != nil {
		return out, fmt.Errorf("billing: payouts due: %w", err)
	}
	return out, nil
}
