package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// ToRate is one held session its employee has not rated yet.
type ToRate struct {
	BookingID     uuid.UUID `db:"id"`
	CounselorName string    `db:"counselor_name"`
	Start         time.Time `db:"starts_at"`
}

// ToRateTx lists the employee's held sessions without a rating, newest
// first, at most limit, inside the caller's transaction (actor's scope).
// Held is what Rate accepts: completed, or confirmed and over at now.
func ToRateTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, now time.Time, limit int) ([]ToRate, error) {
	if _, err := asEmployee(actor); err != nil {
		return nil, err
	}
	out := []ToRate{}
	err := tx.SelectContext(ctx, &out, `
		SELECT b.id, c.display_name AS counselor_name, b.starts_at
		FROM bookings b JOIN counselors c ON c.id = b.counselor_id
		WHERE b.company_id = $1 AND b.employee_user_id = $2
		  AND (b.status = 'completed' OR (b.status = 'confirmed' AND b.ends_at <= $4))
		  AND NOT EXISTS (SELECT 1 FROM session_feedback f WHERE f.company_id = b.company_id AND f.booking_id = b.id)
		ORDER BY b.starts_at DESC, b.id LIMIT $3`, actor.CompanyID, actor.UserID, limit, now)
	if err != nil {
		return nil, fmt.Errorf("feedback: to rate: %w", err)
	}
	for i := range out {
		out[i].Start = out[i].Start.UTC()
	}
	return out, nil
}
