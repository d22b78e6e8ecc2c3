package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// UpcomingTx is the signed-in employee's or counsellor's confirmed
// sessions that have not ended at now, soonest first, at most limit: the
// "what's next" of their home, read inside the caller's transaction (which
// carries actor's scope) so a home stays one unit of work.
func UpcomingTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, now time.Time, limit int) ([]Booking, error) {
	return partyBookings(ctx, tx, actor, limit, `b.status = 'confirmed' AND b.ends_at >= $3`, now)
}

// DayTx is a counsellor's sessions that start in [from, to) and were not
// cancelled, in order: their "today".
func DayTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, from, to time.Time, limit int) ([]Booking, error) {
	return partyBookings(ctx, tx, actor, limit,
		`b.status NOT IN ('cancelled', 'late_cancelled') AND b.starts_at >= $3 AND b.starts_at < $4`, from, to)
}

// partyBookings reads actor's own bookings (as employee or counsellor)
// matching cond, at most limit; cond's parameters start at $3.
func partyBookings(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, limit int, cond string, args ...any) ([]Booking, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor); err != nil {
		return nil, err
	}
	col := "b.employee_user_id"
	if actor.Role == auth.RoleCounselor {
		col = "b.counselor_user_id"
	}
	rows, err := tx.QueryxContext(ctx, bookingColumns+`
		WHERE `+col+` = $1 AND `+cond+`
		ORDER BY b.starts_at, b.id LIMIT $2`, append([]any{actor.UserID, limit}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("booking: home: %w", err)
	}
	defer rows.Close()
	out := []Booking{}
	for rows.Next() {
		bk, err := scanBooking(rows)
		if err != nil {
			return nil, fmt.Errorf("booking: home: %w", err)
		}
		out = append(out, forViewer(bk, actor))
	}
	return out, rows.Err()
}

// ZoneTx is the signed-in counsellor's time zone from their schedule
// (Asia/Tokyo until they set one), inside the caller's transaction.
func ZoneTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (string, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return "", err
	}
	var tz string
	err := tx.GetContext(ctx, &tz, `SELECT COALESCE((SELECT s.timezone FROM availability_settings s
		JOIN counselors c ON c.id = s.counselor_id WHERE c.user_id = $1), 'Asia/Tokyo')`, actor.UserID)
	if err != nil {
		return "", fmt.Errorf("booking: zone: %w", err)
	}
	return tz, nil
}
