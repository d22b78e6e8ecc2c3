package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// seedTwoCompanies writes one company with one department each, as the
// platform's system scope.
func seedTwoCompanies(t *testing.T, d *db.DB) (a, b uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for _, id := range []*uuid.UUID{&a, &b} {
			if err := tx.GetContext(ctx, id, `INSERT INTO companies (name) VALUES ('c') RETURNING id`); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO departments (company_id, name, path) VALUES ($1, '営業部', '営業部')`, *id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func countDepartments(t *testing.T, d *db.DB, s db.Scope) int {
	t.Helper()
	var n int
	if err := d.InTx(context.Background(), s, func(tx *sqlx.Tx) error {
		return tx.Get(&n, `SELECT count(*) FROM departments`)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRowLevelSecurityHidesTenantRowsWithoutScope(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	a, _ := seedTwoCompanies(t, env.DB)

	var bare int
	if err := env.DB.Get(&bare, `SELECT count(*) FROM departments`); err != nil {
		t.Fatal(err)
	}
	if bare != 0 {
		t.Fatalf("a query with no scope saw %d tenant rows, want 0", bare)
	}
	if n := countDepartments(t, env.DB, db.Scope{Role: "company_admin"}); n != 0 {
		t.Fatalf("a scope without company saw %d rows, want 0", n)
	}
	if n := countDepartments(t, env.DB, db.Scope{CompanyID: a, Role: "company_admin"}); n != 1 {
		t.Fatalf("company A's scope saw %d rows, want 1", n)
	}
	if n := countDepartments(t, env.DB, db.Scope{Role: "operator"}); n != 2 {
		t.Fatalf("operator saw %d rows, want 2", n)
	}
}

func TestRowLevelSecurityRefusesWritesIntoAnotherCompany(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	a, b := seedTwoCompanies(t, env.DB)
	err := env.DB.InTx(context.Background(), db.Scope{CompanyID: a, Role: "company_admin"}, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO departments (company_id, name, path) VALUES ($1, '人事部', '人事部')`, b)
		return err
	})
	var pe *pq.Error
	if !errors.As(err, &pe) || pe.Code != "42501" {
		t.Fatalf("insert into another company: err = %v, want RLS violation 42501", err)
	}
	if n := countDepartments(t, env.DB, db.Scope{CompanyID: b, Role: "company_admin"}); n != 1 {
		t.Fatalf("company B has %d departments after the refused write, want 1", n)
	}
}

func TestApplicationRoleIsNeitherSuperuserNorBypassRLS(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	var super, bypass bool
	if err := env.DB.QueryRow(`SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super, &bypass); err != nil {
		t.Fatal(err)
	}
	if super || bypass {
		t.Fatalf("application role: superuser=%v bypassrls=%v, want both false", super, bypass)
	}
}

func TestAuditLogIsAppendOnlyForTheApplication(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO audit_log (action) VALUES ('test')`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`UPDATE audit_log SET action = 'x'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { _, err := tx.Exec(stmt); return err })
		if err == nil {
			t.Errorf("%s: succeeded, want refusal", stmt)
		}
	}
	owner, err := sqlx.Open("postgres", env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	// Even the schema owner deletes nothing: FORCE'd RLS has no DELETE
	// policy, and the trigger refuses any row that would be touched.
	if res, err := owner.Exec(`DELETE FROM audit_log`); err == nil {
		if n, _ := res.RowsAffected(); n != 0 {
			t.Errorf("the owner deleted %d audit rows, want 0", n)
		}
	}
	var n int
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { return tx.Get(&n, `SELECT count(*) FROM audit_log`) }); err != nil || n != 1 {
		t.Fatalf("audit rows = %d (%v), want 1", n, err)
	}
}

func TestMapErrorTurnsConstraintViolationsIntoDomainErrors(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	cases := []struct {
		name string
		sql  string
		want apperr.Code
	}{
		{"unique", `INSERT INTO plans (code, name_ja, name_en, kind) VALUES ('trial', 'x', 'x', 'per_session')`, apperr.CodeConflict},
		{"check", `INSERT INTO companies (name, min_group) VALUES ('x', 3)`, apperr.CodeInvalid},
		{"foreign key", `INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES (gen_random_uuid(), 'trial', 1, now(), 'active')`, apperr.CodeNotFound},
		{"bad uuid", `SELECT 1 FROM companies WHERE id = 'nope'`, apperr.CodeInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { _, err := tx.Exec(c.sql); return err })
			if !apperr.Is(err, c.want) {
				t.Fatalf("err = %v, want code %s", err, c.want)
			}
		})
	}
}

// TestRetryableKnowsDeadlocksAndSerializationFailures: a deadlock,
// mapped to a 409 by MapError, is still recognised as worth a second run.
func TestRetryableKnowsDeadlocksAndSerializationFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pe   *pq.Error
		want bool
	}{{&pq.Error{Code: "40P01"}, true}, {&pq.Error{Code: "40001"}, true}, {&pq.Error{Code: "23505"}, false}, {&pq.Error{Code: "42P01"}, false}} {
		err := db.MapError(fmt.Errorf("wrapped: %w", tc.pe))
		if got := db.Retryable(err); got != tc.want {
			t.Errorf("Retryable(%s) = %v, want %v", tc.pe.Code, got, tc.want)
		}
	}
	if db.Retryable(errors.New("plain")) || db.Retryable(nil) {
		t.Error("an error that is not PostgreSQL's is not retryable")
	}
}
