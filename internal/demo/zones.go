package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ZoneEmployee is the demo employee who works in Germany: their account's
// zone is Europe/Berlin, so every time they see (slots, sessions, mails,
// calendar files) is Berlin time, and they have an upcoming session that
// was cancelled, listed under 今後の予定・キャンセル済み.
const ZoneEmployee = "emp0041@sample-shoji.example"

// seedZones sets ZoneEmployee's zone and adds, two days after their
// upcoming session, a session with the same counsellor that they
// cancelled yesterday (a cancelled row blocks no slot).
func seedZones(ctx context.Context, tx *sqlx.Tx, now time.Time) (int, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET timezone = 'Europe/Berlin' WHERE email = $1`, ZoneEmployee); err != nil {
		return 0, fmt.Errorf("zones: %w", err)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, contract_id,
		                      starts_at, ends_at, blocked_until, theme, format, status, cancelled_by, cancelled_at,
		                      created_at, updated_at, meeting_url, sequence)
		SELECT b.company_id, n.id, b.employee_user_id, b.counselor_id, b.counselor_user_id, b.contract_id,
		       b.starts_at + interval '2 days', b.ends_at + interval '2 days', b.blocked_until + interval '2 days',
		       b.theme, b.format, 'cancelled', 'employee', $2::timestamptz - interval '1 day',
		       $2::timestamptz - interval '3 days', $2::timestamptz - interval '1 day', '/meet/' || n.id, 1
		FROM bookings b JOIN users u ON u.id = b.employee_user_id
		CROSS JOIN (SELECT gen_random_uuid() AS id) n
		WHERE u.email = $1 AND b.status = 'confirmed' AND b.starts_at > $2
		ORDER BY b.starts_at LIMIT 1`, ZoneEmployee, now)
	if err != nil {
		return 0, fmt.Errorf("zones: cancelled session: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
