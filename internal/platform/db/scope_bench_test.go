package db_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// BenchmarkTenantTransaction is one tenant unit of work: declare the sealed
// scope (ticket check) and read through a policy (the seal check, once per
// statement).
func BenchmarkTenantTransaction(b *testing.B) {
	env := dbtest.New(b)
	ctx := context.Background()
	var a uuid.UUID
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &a, `INSERT INTO companies (name) VALUES ('c') RETURNING id`)
	}); err != nil {
		b.Fatal(err)
	}
	s := db.Scope{CompanyID: a, Role: "company_admin"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := env.DB.InTx(ctx, s, func(tx *sqlx.Tx) error {
			var n int
			return tx.GetContext(ctx, &n, `SELECT count(*) FROM departments`)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScopeIsCheckedOncePerStatementNotPerRow counts the seal checks
// (app_scope() calls, tracked by PostgreSQL) of one scan over 1 and over
// 300 of a company's rows: the policies' InitPlans make them the same.
func TestScopeIsCheckedOncePerStatementNotPerRow(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	super, err := sqlx.Open("postgres", env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := super.Exec(`ALTER DATABASE ` + pqIdent(env.Name) + ` SET track_functions = 'pl'`); err != nil {
		t.Fatal(err)
	}
	d, err := db.OpenPools(ctx, env.AppURL, env.SystemURL) // new sessions pick the setting up
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	a, _ := seedTwoCompanies(t, d)
	// checks is the number of seal checks one scan makes (the calls before
	// and after it, within one transaction).
	checks := func() int {
		var n int
		if err := d.InTx(ctx, db.Scope{CompanyID: a, Role: "company_admin"}, func(tx *sqlx.Tx) error {
			calls := func() int {
				var c int
				if err := tx.GetContext(ctx, &c, `SELECT COALESCE(pg_stat_get_xact_function_calls('public.app_scope()'::regprocedure), 0)`); err != nil {
					t.Fatal(err)
				}
				return c
			}
			before := calls()
			var rows int
			if err := tx.GetContext(ctx, &rows, `SELECT count(*) FROM departments WHERE name <> ''`); err != nil {
				return err
			}
			n = calls() - before
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	one := checks()
	if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO departments (company_id, name, path)
			SELECT $1, 'd' || i, 'd' || i FROM generate_series(1, 300) i`, a)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	many := checks()
	if one == 0 || many != one {
		t.Fatalf("seal checks: %d over one row, %d over 301 rows; want the same, non-zero", one, many)
	}
}

func pqIdent(s string) string { return `"` + s + `"` }
