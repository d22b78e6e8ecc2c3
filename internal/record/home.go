package record

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Due is one held session that still waits for its record.
type Due struct {
	BookingID    uuid.UUID `db:"id"`
	EmployeeName string    `db:"employee_name"`
	Start        time.Time `db:"starts_at"`
}

// DueTx lists the counsellor's held sessions with no record yet, oldest
// first, at most limit, inside the caller's transaction (actor's scope).
// Held is what Save accepts: completed, or confirmed and over at now (the
// record itself completes it).
func DueTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, now time.Time, limit int) ([]Due, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return nil, err
	}
	out := []Due{}
	err := tx.SelectContext(ctx, &out, `
		SELECT b.id, COALESCE(u.name, '') AS employee_name, b.starts_at
		FROM bookings b LEFT JOIN users u ON u.id = b.employee_user_id
		WHERE b.counselor_user_id = $1 AND (b.status = 'completed' OR (b.status = 'confirmed' AND b.ends_at <= $3))
		  AND NOT EXISTS (SELECT 1 FROM session_records r WHERE r.company_id = b.company_id AND r.booking_id = b.id)
		ORDER BY b.starts_at, b.id LIMIT $2`, actor.UserID, limit, now)
	if err != nil {
		return nil, fmt.Errorf("record: due: %w", err)
	}
	for i := range out {
		out[i].Start = out[i].Start.UTC()
	}
	return out, nil
}

// OwnAlert is a risk alert raised from one of the counsellor's records,
// as they may see it: its level and where the clinical lead is with it.
type OwnAlert struct {
	ID        uuid.UUID `db:"id"`
	BookingID uuid.UUID `db:"booking_id"`
	RiskLevel string    `db:"risk_level"`
	Status    string    `db:"status"` // open (not yet seen by the clinical lead) or acknowledged
	RaisedAt  time.Time `db:"raised_at"`
}

// OwnAlertsTx lists the unresolved alerts raised from the counsellor's
// records, newest first, inside the caller's transaction (actor's scope;
// row-level security shows a counsellor only their own).
func OwnAlertsTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) ([]OwnAlert, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return nil, err
	}
	out := []OwnAlert{}
	err := tx.SelectContext(ctx, &out, `
		SELECT a.id, a.booking_id, a.risk_level, a.status, a.raised_at
		FROM risk_alerts a JOIN counselors c ON c.id = a.counselor_id
		WHERE c.user_id = $1 AND a.status <> 'resolved'
		ORDER BY a.raised_at DESC, a.id LIMIT 20`, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("record: own alerts: %w", err)
	}
	return out, nil
}

// UrgentSummary counts the open (unacknowledged) urgent alerts and those
// of them past AcknowledgeWithin.
type UrgentSummary struct {
	Open    int `db:"open"`
	Overdue int `db:"overdue"`
}

// UrgentTx summarises open urgent alerts at now for an operator, inside
// the caller's transaction (an operator's scope).
func UrgentTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, now time.Time) (UrgentSummary, error) {
	var out UrgentSummary
	if err := actor.Require(auth.RoleOperator); err != nil {
		return out, err
	}
	err := tx.GetContext(ctx, &out, `
		SELECT count(*) AS open, count(*) FILTER (WHERE raised_at < $1) AS overdue
		FROM risk_alerts WHERE status = 'open' AND risk_level = 'urgent'`, now.Add(-AcknowledgeWithin))
	if err != nil {
		return out, fmt.Errorf("record: urgent alerts: %w", err)
	}
	return out, nil
}
