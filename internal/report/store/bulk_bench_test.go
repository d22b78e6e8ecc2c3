package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// demoSizeFixture makes companies of the demo's size, created long ago:
// 320 employees each in a two-level tree of 8 departments with age and
// tenure bands, one counsellor each, and perMonth held sessions in each
// of the months months up to m (a record for 9 in 10, a rating for 6 in
// 10) — all set-based SQL.
func demoSizeFixture(b *testing.B, env *dbtest.Env, companies, perMonth, months int, m report.Month) {
	b.Helper()
	start := monthStart(m)
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		stmts := []string{
			`INSERT INTO companies (id, name, created_at) SELECT md5('c' || i)::uuid, 'bulk ' || i, '2020-01-01' FROM generate_series(1, $1) i`,
			`INSERT INTO contracts (company_id, id, plan_code, seats, starts_on, status)
			 SELECT md5('c' || i)::uuid, md5('k' || i)::uuid, 'subscription', 320, '2020-01-01', 'active' FROM generate_series(1, $1) i`,
			`INSERT INTO users (id, email, name, role) SELECT md5('cu' || i)::uuid, 'bulk-c' || i || '@x.example', 'C', 'counselor' FROM generate_series(1, $1) i`,
			`INSERT INTO counselors (id, user_id, status, display_name, rate_jpy)
			 SELECT md5('co' || i)::uuid, md5('cu' || i)::uuid, 'verified', 'C', 8000 FROM generate_series(1, $1) i`,
			`INSERT INTO departments (company_id, id, parent_id, name, path)
			 SELECT md5('c' || i)::uuid, md5('d' || i || '-' || t)::uuid, NULL, '本部' || t, '本部' || t FROM generate_series(1, $1) i, generate_series(1, 2) t`,
			`INSERT INTO departments (company_id, id, parent_id, name, path)
			 SELECT md5('c' || i)::uuid, md5('d' || i || '-' || t || '-' || s)::uuid, md5('d' || i || '-' || t)::uuid, '部' || s, '本部' || t || '/部' || s
			 FROM generate_series(1, $1) i, generate_series(1, 2) t, generate_series(1, 3) s`,
			`INSERT INTO users (id, company_id, email, name, role)
			 SELECT md5('e' || i || '-' || j)::uuid, md5('c' || i)::uuid, 'bulk-e' || i || '-' || j || '@x.example', 'E', 'employee'
			 FROM generate_series(1, $1) i, generate_series(1, 320) j`,
			`INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band, created_at)
			 SELECT md5('c' || i)::uuid, md5('e' || i || '-' || j)::uuid, md5('d' || i || '-' || (j % 2 + 1) || '-' || (j % 3 + 1))::uuid,
			        (ARRAY['20s', '30s', '40s', '50s', '60s'])[j % 5 + 1], (ARRAY['0-2y', '3-5y', '6-10y', '11y+'])[j % 4 + 1], '2020-01-01'
			 FROM generate_series(1, $1) i, generate_series(1, 320) j`,
		}
		for _, q := range stmts {
			if _, err := tx.Exec(q, companies); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(`INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, contract_id,
			  starts_at, ends_at, blocked_until, theme, format, status, completed_at)
			 SELECT md5('c' || i)::uuid, md5('b' || i || '-' || j || '-' || k)::uuid, md5('e' || i || '-' || (j * 7 % 320 + 1))::uuid,
			        md5('co' || i)::uuid, md5('cu' || i)::uuid, md5('k' || i)::uuid, s, s + interval '50 minutes', s + interval '60 minutes',
			        (ARRAY['career', 'mental_health', 'relationships', 'work_life'])[j % 4 + 1], 'video', 'completed', s + interval '55 minutes'
			 FROM generate_series(1, $1) i, generate_series(1, $2) j, generate_series(0, $4 - 1) k,
			   LATERAL (SELECT ($3::timestamptz AT TIME ZONE 'Asia/Tokyo' - make_interval(months => k)) AT TIME ZONE 'Asia/Tokyo' + j * interval '5 hours' AS s) t`,
			companies, perMonth, start, months); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id,
			  themes, risk_level, observations, created_at, locks_at)
			 SELECT company_id, id, counselor_id, counselor_user_id, employee_user_id, ARRAY[theme],
			        (ARRAY['none', 'low', 'moderate', 'high'])[get_byte(uuid_send(id), 0) % 4 + 1],
			        CASE WHEN get_byte(uuid_send(id), 1) % 3 = 0 THEN ARRAY['workload'] ELSE '{}' END, starts_at + interval '1 hour', starts_at + interval '7 days'
			 FROM bookings WHERE get_byte(uuid_send(id), 2) % 10 < 9`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5, created_at)
			 SELECT company_id, id, employee_user_id, counselor_id, get_byte(uuid_send(id), 3) % 5 + 1, 4, ARRAY[3, 3, 4, 2, 3]::smallint[], starts_at + interval '2 hours'
			 FROM bookings WHERE get_byte(uuid_send(id), 4) % 10 < 6`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkReleaseThousandDemoSizeCompanies publishes one closed month
// for TAIWA_BENCH_COMPANIES (1,000) companies of the demo's size with 120
// held sessions each that month — what housekeeping does on the 8th. One
// iteration is the whole run (a release is made once, so iterations take
// the months before, seeded alike: run it with -benchtime of at most 3x);
// the anchor of the same run is one plain SQL pass counting every
// company's held sessions of the month.
func BenchmarkReleaseThousandDemoSizeCompanies(b *testing.B) {
	ctx := context.Background()
	env := dbtest.New(b)
	companies := envInt("TAIWA_BENCH_COMPANIES", 1000)
	m := report.LastClosed(time.Now())
	started := time.Now()
	demoSizeFixture(b, env, companies, 120, 3, m)
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { _, err := tx.Exec(`ANALYZE`); return err }); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d companies in %s", companies, time.Since(started).Round(time.Second))
	svc := &store.Service{DB: env.DB}
	b.Run("release-month-all-companies", func(b *testing.B) {
		month := m
		for b.Loop() {
			res, err := svc.ReleaseMonth(ctx, month, nil)
			if err != nil || res.Created != companies {
				b.Fatalf("%+v %v", res, err)
			}
			month-- // a release is made once: the next iteration publishes the month before
		}
		b.ReportMetric(float64(companies), "companies")
	})
	b.Run("anchor-count-all-companies", func(b *testing.B) {
		for b.Loop() {
			var n int
			if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
				return tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT company_id, count(*) FROM bookings
					WHERE status = 'completed' AND starts_at >= $1 AND starts_at < $2 GROUP BY 1) s`, monthStart(m), monthStart(m+1))
			}); err != nil || n != companies {
				b.Fatalf("%d %v", n, err)
			}
		}
	})
}
