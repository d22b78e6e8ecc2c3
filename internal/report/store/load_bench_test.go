package store

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/report"
)

// benchWorld is 20,000 employees in 200 departments with sessions held in
// March (closed) and April 2026 (open, testNow's month), 80 % with a
// record (a tenth amended), half rated: one month of a company of the
// issue's scale (1,000,000 sessions over 24 months ≈ 42,000 a month).
func benchWorld(b *testing.B, perMonth int) *world {
	w := newWorld(b)
	w.exec(func(tx *sqlx.Tx) error {
		stmts := []string{
			`INSERT INTO departments (company_id, name, path) SELECT $1, '部' || g, '部' || g FROM generate_series(1, 20) g`,
			`INSERT INTO departments (company_id, parent_id, name, path)
			   SELECT $1, d.id, '課' || g, d.path || '/課' || g FROM departments d, generate_series(1, 9) g WHERE d.company_id = $1`,
			`INSERT INTO users (company_id, email, name, role) SELECT $1, 'b' || g || '-' || gen_random_uuid()::text || '@x.example', '社員', 'employee' FROM generate_series(1, 20000) g`,
			`INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band, report_opt_out)
			   SELECT $1, u.id, (SELECT id FROM departments WHERE company_id = $1 ORDER BY path OFFSET (abs(hashtext(u.id::text)) % 200) LIMIT 1),
			          (ARRAY['20s','30s','40s','50s','60s'])[1 + (row_number() OVER () % 5)], (ARRAY['0-2y','3-5y','6-10y','11y+'])[1 + (row_number() OVER () % 4)],
			          row_number() OVER () % 50 = 0
			   FROM users u WHERE u.company_id = $1 AND u.role = 'employee'`,
		}
		for _, s := range stmts {
			if _, err := tx.Exec(s, w.company); err != nil {
				return err
			}
		}
		for _, month := range []string{"2026-03-01", "2026-04-01"} {
			if _, err := tx.Exec(`
				WITH emps AS (SELECT user_id, row_number() OVER (ORDER BY user_id) AS n FROM employees WHERE company_id = $1)
				INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, status)
				SELECT $1, e.user_id, $2, $3, t, t + interval '50 minutes', t + interval '50 minutes',
				       (ARRAY['career','mental_health','relationships','work_life','engagement'])[1 + g % 5], 'video', 'completed'
				FROM generate_series(1, $4::int) g
				JOIN emps e ON e.n = 1 + (g * 7919) % 20000
				CROSS JOIN LATERAL (SELECT $5::timestamptz + (g % (13 * 24 * 60)) * interval '1 minute' AS t) x`,
				w.company, w.counselor, w.cUser, perMonth, month+"T00:00:00+09:00"); err != nil {
				return err
			}
		}
		for _, s := range []string{
			`INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes, risk_level, observations, locks_at)
			   SELECT company_id, id, counselor_id, counselor_user_id, employee_user_id, ARRAY[theme],
			          (ARRAY['none','low','moderate','high','urgent'])[1 + (abs(hashtext(id::text)) % 5)],
			          CASE WHEN abs(hashtext(id::text)) % 3 = 0 THEN ARRAY['workload'] ELSE '{}' END, now()
			   FROM bookings WHERE company_id = $1 AND abs(hashtext(id::text)) % 5 <> 0`,
			`INSERT INTO session_record_amendments (company_id, booking_id, seq, author_user_id, counselor_user_id, themes, risk_level, follow_up, observations)
			   SELECT company_id, booking_id, 1, counselor_user_id, counselor_user_id, themes, 'high', false, ARRAY['communication']
			   FROM session_records WHERE company_id = $1 AND abs(hashtext(booking_id::text)) % 10 = 1`,
			`INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5)
			   SELECT company_id, id, employee_user_id, counselor_id, 1 + abs(hashtext(id::text)) % 5, 4, ARRAY[3,3,4,2,5]
			   FROM bookings WHERE company_id = $1 AND abs(hashtext(id::text)) % 2 = 0`,
		} {
			if _, err := tx.Exec(s, w.company); err != nil {
				return err
			}
		}
		return nil
	})
	w.exec(func(tx *sqlx.Tx) error { _, err := tx.Exec(`ANALYZE`); return err })
	return w
}

// BenchmarkLoadOpenMonth is the store's share of an open-month report: the
// roster and the live aggregation of April (≈42,000 held sessions).
func BenchmarkLoadOpenMonth(b *testing.B) {
	w := benchWorld(b, 42000)
	apr := report.MonthOf(2026, 4)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		w.exec(func(tx *sqlx.Tx) error {
			roster, err := loadRoster(ctx, tx, w.company)
			if err != nil {
				return err
			}
			on := make(map[uuid.UUID]struct{}, len(roster))
			for _, e := range roster {
				on[e.ID] = struct{}{}
			}
			acts, err := loadActivity(ctx, tx, w.company, apr, apr, apr-1, func(id uuid.UUID) bool { _, ok := on[id]; return ok })
			if len(acts) == 0 {
				b.Fatal("no activity")
			}
			return err
		})
	}
}

// BenchmarkLoadFrozenMonth reads and decodes a frozen month (March).
func BenchmarkLoadFrozenMonth(b *testing.B) {
	w := benchWorld(b, 42000)
	mar := report.MonthOf(2026, 3)
	ctx := context.Background()
	keep := func(uuid.UUID) bool { return true }
	w.exec(func(tx *sqlx.Tx) error { _, err := loadActivity(ctx, tx, w.company, mar, mar, mar, keep); return err })
	b.ResetTimer()
	for b.Loop() {
		w.exec(func(tx *sqlx.Tx) error {
			acts, err := loadActivity(ctx, tx, w.company, mar, mar, mar, keep)
			if len(acts) == 0 {
				b.Fatal("no activity")
			}
			return err
		})
	}
}
