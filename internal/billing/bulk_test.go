package billing_test

import (
	"context"
	"crypto/md5"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// bulkFixture writes companies (ids derived from their number, so two
// databases hold the same ones), each on a plan in turn, with one employee
// and perCompany sessions in March 2026 of mixed billable statuses.
func bulkFixture(t testing.TB, env *dbtest.Env, companies, perCompany int) {
	t.Helper()
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		// The counsellor's ids are md5('co') and md5('cu') as the statements
		// below compute them.
		dbtest.Counsellor(t, tx, "bulk-c@x.example", dbtest.ID(md5ID("co")), dbtest.UserID(md5ID("cu")), dbtest.Name("C"),
			dbtest.DisplayName("C"), dbtest.Rate(8000), dbtest.VerifiedAt(nil))
		// The companies, their contracts and employees are bulk inserts: a
		// benchmark makes 1,000 of each.
		stmts := []string{
			`INSERT INTO companies (id, name) SELECT md5('c' || i)::uuid, 'company ' || i FROM generate_series(1, $1) i`,
			`INSERT INTO contracts (company_id, id, plan_code, seats, starts_on, status)
			 SELECT md5('c' || i)::uuid, md5('k' || i)::uuid, (ARRAY['per_session', 'subscription', 'per_seat'])[i % 3 + 1], 50, '2025-01-01', 'active'
			 FROM generate_series(1, $1) i`,
			`INSERT INTO users (id, company_id, email, name, role) SELECT md5('e' || i)::uuid, md5('c' || i)::uuid, 'bulk-e' || i || '@x.example', 'E', 'employee' FROM generate_series(1, $1) i`,
			`INSERT INTO employees (company_id, user_id, created_at) SELECT md5('c' || i)::uuid, md5('e' || i)::uuid, '2020-01-01' FROM generate_series(1, $1) i`,
			`INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, contract_id, starts_at, ends_at, blocked_until, theme, format, status)
			 SELECT md5('c' || i)::uuid, md5('b' || i || '-' || j)::uuid, md5('e' || i)::uuid, md5('co')::uuid, md5('cu')::uuid, md5('k' || i)::uuid,
			   s, s + interval '50 minutes', s + interval '60 minutes', 'career', 'video',
			   (ARRAY['completed', 'completed', 'completed', 'late_cancelled', 'no_show', 'cancelled'])[j % 6 + 1]
			 FROM generate_series(1, $1) i, generate_series(1, $2) j,
			   LATERAL (SELECT timestamptz '2026-03-01 00:00+09' + (j * interval '7 hours') AS s) t`,
		}
		for k, q := range stmts {
			var err error
			if k < 4 {
				_, err = tx.Exec(q, companies)
			} else {
				_, err = tx.Exec(q, companies, perCompany)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// md5ID is PostgreSQL's md5(s)::uuid.
func md5ID(s string) uuid.UUID { return uuid.UUID(md5.Sum([]byte(s))) }
