package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/record"
)

// Held sessions for the scale company, generated in the database: one
// INSERT … SELECT over generate_series per table, every draw taken from
// the bytes of an md5 of the company and the session's number, so a run
// is deterministic for a given roster and day and a second run adds only
// what is missing (the session's id is that md5). Rows are as the
// application writes them: completed bookings in their counsellor's
// themes and formats, records locked after their edit window, feedback
// with a valid WHO-5.

// scaleMonths is how many whole months before the current one the scale
// sessions cover (the current month is covered up to today).
const scaleMonths = 24

// scaleSessionPrefix marks the scale sessions' meeting URLs, so they can be
// counted apart from sessions booked through the application.
const scaleSessionPrefix = "/scale/"

// seedScaleSessions adds the held sessions 1..n of the scale company that
// do not exist yet, then the records and feedback they lack. It returns
// how many sessions, records and ratings it added.
func seedScaleSessions(ctx context.Context, d *db.DB, n int, now, inMonth time.Time) (sessions, records, ratings int64, err error) {
	var companyID, contractID uuid.UUID
	err = d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.QueryRowxContext(ctx, `
			SELECT c.id, k.id FROM companies c JOIN contracts k ON k.company_id = c.id AND k.status = 'active'
			WHERE c.name = $1 ORDER BY c.created_at, c.id, k.starts_on DESC LIMIT 1`, ScaleCompany).Scan(&companyID, &contractID)
	})
	if err != nil {
		return 0, 0, 0, fmt.Errorf("scale sessions: the scale company: %w", err)
	}
	steps := []struct {
		name string
		out  *int64
		run  func(*sqlx.Tx) (int64, error)
	}{
		{"bookings", &sessions, func(tx *sqlx.Tx) (int64, error) {
			return scaleBookings(ctx, tx, companyID, contractID, n, now, inMonth)
		}},
		{"records", &records, func(tx *sqlx.Tx) (int64, error) { return scaleRecords(ctx, tx, companyID) }},
		{"feedback", &ratings, func(tx *sqlx.Tx) (int64, error) { return scaleFeedback(ctx, tx, companyID) }},
	}
	for _, s := range steps {
		// One transaction per table: a run cut short keeps what it wrote
		// and the next run carries on from there.
		if err = d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			var err error
			*s.out, err = s.run(tx)
			return err
		}); err != nil {
			return 0, 0, 0, fmt.Errorf("scale sessions: %s: %w", s.name, err)
		}
	}
	return sessions, records, ratings, nil
}

// scaleBookings inserts the missing sessions 1..n. A session's day is
// uniform over the last scaleMonths months and this month up to today, at
// a half hour between 9:00 and 17:30 in Japan. Its employee is drawn with
// a skew: 60% of sessions go to a "regular" fifth of the roster that
// changes every quarter, the rest to anyone, so most people take part in
// some months and not in others.
func scaleBookings(ctx context.Context, tx *sqlx.Tx, companyID, contractID uuid.UUID, n int, now, inMonth time.Time) (int64, error) {
	var have int
	if err := tx.GetContext(ctx, &have, `SELECT count(*) FROM bookings WHERE company_id = $1 AND meeting_url LIKE $2`,
		companyID, scaleSessionPrefix+"%"); err != nil {
		return 0, err
	}
	if have >= n {
		return 0, nil
	}
	today := now.In(jst)
	first := time.Date(today.Year(), today.Month()-scaleMonths, 1, 0, 0, 0, 0, jst)
	days := int(time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, jst).Sub(first).Hours()/24) + 1
	if !inMonth.IsZero() {
		first = time.Date(inMonth.Year(), inMonth.Month(), 1, 0, 0, 0, 0, jst)
		days = first.AddDate(0, 1, -1).Day()
	}
	res, err := tx.ExecContext(ctx, `
		WITH emp AS (
		  SELECT user_id, (row_number() OVER (ORDER BY employee_code, user_id) - 1)::int AS i
		  FROM employees WHERE company_id = $1),
		cou AS (
		  SELECT c.id, c.user_id, c.themes, c.formats, (row_number() OVER (ORDER BY u.email) - 1)::int AS i
		  FROM counselors c JOIN users u ON u.id = c.user_id
		  WHERE u.email LIKE 'scalecounselor%' AND c.status = 'verified' AND cardinality(c.themes) > 0
		    AND cardinality(c.formats) > 0),
		size AS (SELECT (SELECT count(*) FROM emp)::int AS e, (SELECT count(*) FROM cou)::int AS c),
		draw AS (
		  SELECT h::uuid AS id,
		         ('x' || substr(h, 1, 8))::bit(32)::bigint AS u1,
		         ('x' || substr(h, 9, 8))::bit(32)::bigint AS u2,
		         ('x' || substr(h, 17, 8))::bit(32)::bigint AS u3,
		         ('x' || substr(h, 25, 8))::bit(32)::bigint AS u4
		  FROM generate_series(1, $3::int) g, md5($8::text || ':scale-session:' || g) h),
		slot AS (
		  SELECT d.*, day, $4::timestamptz + make_interval(days => day, mins => 540 + 30 * (d.u2 % 18)::int) AS at,
		         CASE WHEN d.u1 % 10 < 6
		              THEN (d.u3 % greatest(size.e / 5, 1) + (day / 91) * 3779) % size.e
		              ELSE d.u3 % size.e END AS ei,
		         d.u4 % size.c AS ci
		  FROM draw d, size, LATERAL (SELECT (d.u2 / 18 % $5)::int AS day) x
		  WHERE size.e > 0 AND size.c > 0),
		held AS (
		  SELECT s.id, s.ei, s.ci, s.u1, s.u3, s.u4,
		         CASE WHEN s.at > $6::timestamptz - interval '2 hours' THEN s.at - interval '7 days' ELSE s.at END AS at
		  FROM slot s)
		INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, contract_id,
		                      starts_at, ends_at, blocked_until, theme, format, status, completed_at,
		                      created_at, updated_at, meeting_url)
		SELECT $1, h.id, e.user_id, c.id, c.user_id, $2, h.at, h.at + interval '50 minutes', h.at + interval '60 minutes',
		       c.themes[1 + (h.u3 / 7 % cardinality(c.themes))::int], c.formats[1 + (h.u4 / 7 % cardinality(c.formats))::int],
		       'completed', h.at + interval '55 minutes', h.at - make_interval(days => 1 + (h.u1 / 11 % 14)::int),
		       h.at + interval '55 minutes', $7 || h.id
		FROM held h JOIN emp e ON e.i = h.ei JOIN cou c ON c.i = h.ci
		ON CONFLICT DO NOTHING`,
		companyID, contractID, n, first, days, now, scaleSessionPrefix, companyID.String())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// The scans of the scale sessions below compare company_id as text on
// purpose: no index serves that, so the sessions are read in table order.
// Just after the bookings' insert the table has no statistics yet (the
// application role may not ANALYZE it) and an index scan by company would
// visit a million rows in random order.

// missing is the condition that keeps only sessions without a row in
// table (session_records or session_feedback): none when the company has
// no row there yet. The first run must not ask: with the table empty and
// never analysed, the planner probes it by company per session (an index
// that matches every row the statement is inserting), which is quadratic.
func missing(ctx context.Context, tx *sqlx.Tx, table string, companyID uuid.UUID) string {
	var has bool
	if err := tx.GetContext(ctx, &has, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE company_id = $1)`, companyID); err == nil && !has {
		return ""
	}
	return `AND NOT EXISTS (SELECT 1 FROM ` + table + ` x WHERE x.company_id = b.company_id AND x.booking_id = b.id)`
}

// scaleRecords writes a record for about 90% of the scale sessions that
// lack one: the booking's theme (now and then with work_life), risk mostly
// none or low with a few moderate and high (urgent is left to the demo: it
// raises alerts), and an observation in about a third.
func scaleRecords(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes,
		                             risk_level, follow_up, observations, created_at, updated_at, locks_at)
		SELECT company_id, id, counselor_id, counselor_user_id, employee_user_id,
		       CASE WHEN b2 % 5 = 0 AND theme <> 'work_life' THEN ARRAY[theme, 'work_life'] ELSE ARRAY[theme] END,
		       risk, risk IN ('moderate', 'high') OR b3 % 4 = 0,
		       CASE WHEN b4 % 3 <> 0 THEN '{}'::text[]
		            WHEN b6 % 6 = 0 AND obs <> 'workload' THEN ARRAY[obs, 'workload']
		            ELSE ARRAY[obs] END,
		       ends_at + interval '40 minutes', ends_at + interval '40 minutes', ends_at + interval '40 minutes' + $3::interval
		FROM (SELECT b.company_id, b.id, b.counselor_id, b.counselor_user_id, b.employee_user_id, b.theme, b.ends_at,
		             get_byte(uuid_send(b.id), 2) AS b2, get_byte(uuid_send(b.id), 3) AS b3,
		             get_byte(uuid_send(b.id), 4) AS b4, get_byte(uuid_send(b.id), 6) AS b6,
		             CASE WHEN get_byte(uuid_send(b.id), 1) < 141 THEN 'none'
		                  WHEN get_byte(uuid_send(b.id), 1) < 225 THEN 'low'
		                  WHEN get_byte(uuid_send(b.id), 1) < 250 THEN 'moderate'
		                  ELSE 'high' END AS risk,
		             ($2::text[])[1 + get_byte(uuid_send(b.id), 5) % cardinality($2::text[])] AS obs
		      FROM bookings b
		      WHERE b.company_id::text = $1::text AND b.status = 'completed' AND b.meeting_url LIKE $4
		        AND get_byte(uuid_send(b.id), 0) % 10 < 9 `+missing(ctx, tx, "session_records", companyID)+`) s`,
		companyID, pq.Array(record.Observations), fmt.Sprintf("%d seconds", int(record.EditWindow.Seconds())), scaleSessionPrefix+"%")
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// scaleFeedback rates about 60% of the scale sessions that have no rating
// yet (satisfaction and fit mostly 4–5; WHO-5 items around a level of the
// employee's own), then recounts the scale counsellors' published ratings.
func scaleFeedback(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) (int64, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5, created_at)
		SELECT company_id, id, employee_user_id, counselor_id,
		       CASE WHEN b8 % 10 < 5 THEN 5 WHEN b8 % 10 < 8 THEN 4 WHEN b8 % 10 < 9 THEN 3 ELSE 2 END,
		       CASE WHEN b9 % 10 < 5 THEN 5 WHEN b9 % 10 < 8 THEN 4 ELSE 3 END,
		       ARRAY[least(5, base + b10 % 3), least(5, base + b11 % 3), least(5, base + b12 % 3),
		             least(5, base + b13 % 3), least(5, base + b14 % 3)]::smallint[],
		       ends_at + interval '3 hours'
		FROM (SELECT b.company_id, b.id, b.employee_user_id, b.counselor_id, b.ends_at,
		             get_byte(uuid_send(b.id), 8) AS b8, get_byte(uuid_send(b.id), 9) AS b9,
		             get_byte(uuid_send(b.id), 10) AS b10, get_byte(uuid_send(b.id), 11) AS b11,
		             get_byte(uuid_send(b.id), 12) AS b12, get_byte(uuid_send(b.id), 13) AS b13,
		             get_byte(uuid_send(b.id), 14) AS b14,
		             get_byte(uuid_send(b.employee_user_id), 15) % 4 AS base
		      FROM bookings b
		      WHERE b.company_id::text = $1::text AND b.status = 'completed' AND b.meeting_url LIKE $2
		        AND get_byte(uuid_send(b.id), 7) % 10 < 6 `+missing(ctx, tx, "session_feedback", companyID)+`) s`,
		companyID, scaleSessionPrefix+"%")
	if err != nil {
		return 0, err
	}
	added, err := res.RowsAffected()
	if err != nil || added == 0 {
		return added, err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE counselors c SET rating_avg = s.avg, rating_count = s.n
		FROM (SELECT counselor_id, round(avg(satisfaction), 2) AS avg, count(*)::int AS n
		      FROM session_feedback WHERE counselor_id IN (
		        SELECT c.id FROM counselors c JOIN users u ON u.id = c.user_id WHERE u.email LIKE 'scalecounselor%')
		      GROUP BY counselor_id) s
		WHERE c.id = s.counselor_id`)
	return added, err
}
