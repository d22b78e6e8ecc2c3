package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// platformComments are the few platform-only comments the demo carries.
var platformComments = []string{
	"話しやすく、考えが整理できました。",
	"時間が少し短く感じました。",
	"具体的な次の一歩が見えて助かりました。",
	"Very helpful to talk to someone outside the company.",
}

var employeeNoteTexts = []string{
	"次回までに、やりたい仕事を3つ書き出しておく。",
	"上司に相談する前に、自分の希望を整理する。",
	"睡眠時間を記録してみる。",
}

// seedFeedback fills the demo's feedback (keys nil: no sealed notes):
// ratings for most completed sessions older than a day (satisfaction and
// fit mostly 4–5, WHO-5 improving a little per employee over their
// sessions), a few comments, some employees' notes, a few shared items of
// whatever records exist, and three employees opted out of reports.
func seedFeedback(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, now time.Time, keys *seal.Keyring) (int, error) {
	// Deterministic per booking: bytes of its id pick the numbers.
	res, err := tx.ExecContext(ctx, `
		INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5, comment, created_at)
		SELECT company_id, id, employee_user_id, counselor_id,
		       CASE WHEN b0 % 10 < 6 THEN 5 WHEN b0 % 10 < 9 THEN 4 ELSE 3 END,
		       CASE WHEN b1 % 10 < 5 THEN 5 WHEN b1 % 10 < 8 THEN 4 ELSE 3 END,
		       ARRAY(SELECT least(5, greatest(0, base + least(rank / 2, 2) + (get_byte(uuid_send(id), 4 + i) % 3) - 1))::smallint
		             FROM generate_series(0, 4) i),
		       CASE WHEN b2 % 40 = 0 THEN ($2::text[])[1 + b3 % cardinality($2::text[])] END,
		       ends_at + interval '3 hours'
		FROM (SELECT b.company_id, b.id, b.employee_user_id, b.counselor_id, b.ends_at,
		             get_byte(uuid_send(b.id), 0) AS b0, get_byte(uuid_send(b.id), 1) AS b1,
		             get_byte(uuid_send(b.id), 2) AS b2, get_byte(uuid_send(b.id), 3) AS b3,
		             1 + get_byte(uuid_send(b.employee_user_id), 0) % 3 AS base,
		             row_number() OVER (PARTITION BY b.employee_user_id ORDER BY b.starts_at) - 1 AS rank
		      FROM bookings b WHERE b.status = 'completed' AND b.ends_at < $1
		        AND b.id NOT IN (`+toRateSession+`)) s
		WHERE b0 % 10 < 8`, now.Add(-24*time.Hour), pq.Array(platformComments), ToRateEmail)
	if err != nil {
		return 0, fmt.Errorf("feedback: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := tx.ExecContext(ctx, `
		UPDATE counselors c SET rating_avg = s.avg, rating_count = s.n
		FROM (SELECT counselor_id, round(avg(satisfaction), 2) AS avg, count(*)::int AS n
		      FROM session_feedback GROUP BY counselor_id) s
		WHERE c.id = s.counselor_id`); err != nil {
		return 0, fmt.Errorf("feedback: ratings: %w", err)
	}
	if err := seedOptOuts(ctx, tx); err != nil {
		return 0, err
	}
	if err := seedShared(ctx, tx); err != nil {
		return 0, err
	}
	if keys != nil {
		if err := seedEmployeeNotes(ctx, tx, r, keys); err != nil {
			return 0, err
		}
	}
	return int(n), nil
}

// seedOptOuts opts three employees of the first company out of reports.
func seedOptOuts(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `
		WITH picked AS (
		  SELECT e.company_id, e.user_id FROM employees e JOIN users u ON u.id = e.user_id
		  WHERE u.email LIKE 'emp%@sample-shoji.example' ORDER BY u.email DESC LIMIT 3),
		upd AS (UPDATE employees e SET report_opt_out = true, opt_out_at = now() - interval '20 days'
		        FROM picked p WHERE e.company_id = p.company_id AND e.user_id = p.user_id)
		INSERT INTO consents (company_id, employee_user_id, item, granted, consent_text, at)
		SELECT company_id, user_id, $1, true, $2, now() - interval '20 days' FROM picked`,
		consent.ItemReportOptOut, feedback.OptOutText("ja", true))
	if err != nil {
		return fmt.Errorf("feedback: opt-outs: %w", err)
	}
	return nil
}

// seedShared shares the summary (and for one, the themes) of up to four
// records that have a summary, exactly as the API would.
func seedShared(ctx context.Context, tx *sqlx.Tx) error {
	var rows []struct {
		CompanyID uuid.UUID `db:"company_id"`
		BookingID uuid.UUID `db:"booking_id"`
		Employee  uuid.UUID `db:"employee_user_id"`
		Name      string    `db:"name"`
		Start     time.Time `db:"starts_at"`
		Summary   string    `db:"shared_summary"`
	}
	err := tx.SelectContext(ctx, &rows, `
		SELECT r.company_id, r.booking_id, r.employee_user_id, u.name, b.starts_at, r.shared_summary
		FROM session_records r JOIN bookings b ON b.company_id = r.company_id AND b.id = r.booking_id
		JOIN users u ON u.id = r.employee_user_id
		WHERE r.shared_summary IS NOT NULL AND r.shared_summary <> ''
		  AND NOT EXISTS (SELECT 1 FROM session_record_amendments m WHERE m.company_id = r.company_id AND m.booking_id = r.booking_id)
		ORDER BY b.starts_at DESC LIMIT 4`)
	if err != nil {
		return fmt.Errorf("feedback: shared: %w", err)
	}
	for _, row := range rows {
		it := feedback.SharedItem{EmployeeName: row.Name, Item: consent.ItemSummary, SessionMonth: feedback.SessionMonth(row.Start), Content: row.Summary}
		snap, err := feedback.Snapshot(it)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO consents (company_id, employee_user_id, item, subject, granted, consent_text, shared_content, at)
			VALUES ($1, $2, $3, $4, true, $5, $6, $7)`, row.CompanyID, row.Employee, it.Item, row.BookingID.String(),
			feedback.ConsentText("ja", it.Item), snap, row.Start.Add(48*time.Hour)); err != nil {
			return fmt.Errorf("feedback: shared: %w", err)
		}
	}
	return nil
}

// seedEmployeeNotes gives a dozen held sessions their employee's own
// sealed notes.
func seedEmployeeNotes(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, keys *seal.Keyring) error {
	var rows []struct {
		CompanyID uuid.UUID `db:"company_id"`
		ID        uuid.UUID `db:"id"`
		Employee  uuid.UUID `db:"employee_user_id"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT company_id, id, employee_user_id FROM bookings
		WHERE status = 'completed' ORDER BY starts_at DESC LIMIT 12`); err != nil {
		return fmt.Errorf("feedback: notes: %w", err)
	}
	for _, b := range rows {
		sealed, err := keys.Seal([]byte(employeeNoteTexts[r.IntN(len(employeeNoteTexts))]), feedback.NotesAAD(b.CompanyID, b.ID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO employee_notes (company_id, booking_id, employee_user_id, notes) VALUES ($1, $2, $3, $4)`,
			b.CompanyID, b.ID, b.Employee, sealed); err != nil {
			return fmt.Errorf("feedback: notes: %w", err)
		}
	}
	return nil
}
