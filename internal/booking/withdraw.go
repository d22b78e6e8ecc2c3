package booking

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// reasonWithdrawn marks a cancellation notice sent because the counsellor
// can no longer hold sessions: the employee's mail offers another
// counsellor instead of another time, and nobody on the waitlist is told
// the time came free.
const reasonWithdrawn = "counselor_withdrawn"

// WithdrawCounselor cancels every upcoming confirmed booking of a
// counsellor who is being suspended, inside the suspension's transaction
// (counselor.Service.Withdraw is wired to it): each as the counsellor's
// cancellation, so never late and never billable, each employee mailed
// through the outbox with a link to choose another counsellor. It takes the
// counsellor's booking lock before the suspension locks the counsellor's
// row, in the same order as Book, so the two never deadlock; a booking
// waiting on the lock finds the counsellor suspended (see book). It answers
// how many bookings it cancelled.
func (s *Service) WithdrawCounselor(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, counselorID uuid.UUID) (int, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return 0, err
	}
	if err := lockCounselor(ctx, tx, counselorID); err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var ids []uuid.UUID
	if err := tx.SelectContext(ctx, &ids, `
		UPDATE bookings SET status = 'cancelled', cancelled_by = 'counselor', cancelled_at = $2,
		       sequence = sequence + 1, updated_at = $2
		WHERE counselor_id = $1 AND status = 'confirmed' AND starts_at > $2
		RETURNING id`, counselorID, now); err != nil {
		return 0, fmt.Errorf("booking: withdraw counsellor: %w", err)
	}
	for _, id := range ids {
		b, err := getBooking(ctx, tx, id, false)
		if err != nil {
			return 0, err
		}
		if err := enqueueNoticeFor(ctx, tx, eventCancelled, b, reasonWithdrawn); err != nil {
			return 0, err
		}
	}
	if len(ids) > 0 {
		if err := audit.Write(ctx, tx, actor, audit.Event{Action: "booking.cancel_withdrawn", TargetType: "counselor", TargetID: counselorID.String(),
			Details: map[string]any{"cancelled": len(ids)}}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
