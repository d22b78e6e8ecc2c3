package db_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// tenantTables lists, from the catalog, every table of the public schema
// with a company_id column that the tenant role may read: new tables are
// covered without touching this test.
func tenantTables(t *testing.T, d *db.DB) []string {
	t.Helper()
	var names []string
	if err := d.System().Select(&names, `
		SELECT c.relname FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
		  AND has_table_privilege('taiwa_app', c.oid, 'SELECT')
		ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	return names
}

// foreignRows counts each table's rows that belong to a company other than
// own, as the scope of tx sees them.
func foreignRows(ctx context.Context, tx *sqlx.Tx, tables []string, own uuid.UUID) (map[string]int, error) {
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		if err := tx.GetContext(ctx, &n, fmt.Sprintf(`SELECT count(*) FROM public.%q WHERE company_id <> $1`, tb), own); err != nil {
			return nil, fmt.Errorf("%s: %w", tb, err)
		}
		out[tb] = n
	}
	return out, nil
}

// TestTenantRoleCannotForgeAScope plays a SQL injection into a tenant
// request: inside company A's transaction on the tenant role it sets every
// scope setting it can reach, replays another transaction's sealed scope,
// calls the scope function without a valid ticket and tries to change role.
// Whatever it runs, every tenant table shows it no row of another company.
func TestTenantRoleCannotForgeAScope(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, env.DB.System(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	tables := tenantTables(t, env.DB)
	var a, b, bAdmin uuid.UUID
	if err := env.DB.System().QueryRowContext(ctx, `SELECT id FROM companies ORDER BY name LIMIT 1`).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := env.DB.System().QueryRowContext(ctx,
		`SELECT company_id, id FROM users WHERE company_id <> $1 AND role = 'company_admin' ORDER BY email LIMIT 1`, a).Scan(&b, &bAdmin); err != nil {
		t.Fatal(err)
	}
	// The fixture must give the attack something to find.
	var baseline map[string]int
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		baseline, err = foreignRows(ctx, tx, tables, a)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	populated := 0
	for _, n := range baseline {
		if n > 0 {
			populated++
		}
	}
	t.Logf("%d tenant tables, %d with other companies' rows", len(tables), populated)
	if populated < 5 {
		t.Fatalf("only %d of %d tenant tables hold other companies' rows: the fixture proves nothing (%v)", populated, len(tables), baseline)
	}

	// A genuine sealed scope of company B, from B's own transaction.
	var sealB string
	if err := env.DB.InTx(ctx, db.Scope{CompanyID: b, UserID: bAdmin, Role: "company_admin"}, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &sealB, `SELECT current_setting('app.scope')`)
	}); err != nil {
		t.Fatal(err)
	}

	attacks := []struct {
		name  string
		stmts []string
	}{
		{"SET app.role", []string{`SET app.role = 'system'`, `SET LOCAL app.role = 'operator'`}},
		{"SET app.company_id", []string{fmt.Sprintf(`SET app.company_id = '%s'`, b), fmt.Sprintf(`SET app.user_id = '%s'`, bAdmin)}},
		{"set_config every scope setting", []string{
			`SELECT set_config('app.role', 'system', false)`,
			fmt.Sprintf(`SELECT set_config('app.company_id', '%s', true)`, b),
			fmt.Sprintf(`SELECT set_config('app.user_id', '%s', true)`, bAdmin),
			fmt.Sprintf(`SELECT set_config('app.scope', '%s|%s|system|00', true)`, b, bAdmin),
			`SELECT set_config('row_security', 'off', true)`,
			`SELECT set_config('search_path', 'pg_temp, public', true)`,
		}},
		{"forge app.scope from own seal", []string{
			fmt.Sprintf(`SELECT set_config('app.scope', '%s' || substr(current_setting('app.scope'), 37), true)`, b),
		}},
		{"replay B's seal", []string{fmt.Sprintf(`SELECT set_config('app.scope', '%s', true)`, sealB)}},
		{"app_set_scope without the key", []string{
			fmt.Sprintf(`SELECT public.app_set_scope('%s', '%s', 'company_admin', repeat('0', 64))`, b, bAdmin),
			`SELECT public.app_set_scope('', '', 'system', '')`,
		}},
		{"app_authenticate without the key", []string{
			fmt.Sprintf(`SELECT * FROM public.app_authenticate('%s', '%s', 'company_admin', repeat('0', 64), '\x00'::bytea, now())`, b, bAdmin),
			`SELECT * FROM public.app_authenticate('', '', 'system', '', '\x00'::bytea, now())`,
		}},
		{"app_slot_inputs without the key", []string{
			fmt.Sprintf(`SELECT * FROM public.app_slot_inputs('%s', '%s', 'company_admin', repeat('0', 64), gen_random_uuid(), current_date, now(), now())`, b, bAdmin),
			`SELECT * FROM public.app_slot_inputs('', '', 'system', '', gen_random_uuid(), current_date, now(), now())`,
		}},
		{"read the key", []string{`SELECT key FROM public.app_scope_secret`}},
		{"change role", []string{
			`SET ROLE taiwa_system`, `SET ROLE taiwa`, `SET ROLE postgres`, `RESET ROLE`,
			`SET SESSION AUTHORIZATION taiwa_system`, `RESET SESSION AUTHORIZATION`,
		}},
		{"shadow the scope functions", []string{
			`CREATE FUNCTION pg_temp.app_privileged() RETURNS boolean LANGUAGE sql AS 'SELECT true'`,
			fmt.Sprintf(`CREATE FUNCTION pg_temp.app_company_id() RETURNS uuid LANGUAGE sql AS $$SELECT '%s'::uuid$$`, b),
			`SET LOCAL search_path = pg_temp, public`,
		}},
	}
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			err := env.DB.InTx(ctx, db.Scope{CompanyID: a, Role: "company_admin"}, func(tx *sqlx.Tx) error {
				for i, s := range at.stmts {
					// Each attempt in its own savepoint: a refused one does not
					// end the transaction, the next one still runs.
					sp := fmt.Sprintf("attack_%d", i)
					if _, err := tx.ExecContext(ctx, "SAVEPOINT "+sp); err != nil {
						return err
					}
					if _, err := tx.ExecContext(ctx, s); err != nil {
						if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+sp); err != nil {
							return err
						}
					} else if _, err := tx.ExecContext(ctx, "RELEASE SAVEPOINT "+sp); err != nil {
						return err
					}
				}
				var who string
				var privileged bool
				if err := tx.QueryRowContext(ctx, `SELECT current_user, public.app_privileged()`).Scan(&who, &privileged); err != nil {
					return err
				}
				if who != "taiwa_app" || privileged {
					t.Errorf("after the attack: current_user %s privileged %v, want taiwa_app, false", who, privileged)
				}
				// row_security = off turns a filtered query into an error:
				// the tenant then reads nothing, which is fine.
				if _, err := tx.ExecContext(ctx, `SET LOCAL row_security = on`); err != nil {
					return err
				}
				got, err := foreignRows(ctx, tx, tables, a)
				if err != nil {
					return err
				}
				for tb, n := range got {
					if n != 0 {
						t.Errorf("%s: company A's tenant transaction saw %d rows of other companies", tb, n)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestTenantScopeStillReadsItsOwnRows guards the other side: the sealed
// scope works, for the company's own rows, in one and many statements.
func TestTenantScopeStillReadsItsOwnRows(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	a, _ := seedTwoCompanies(t, env.DB)
	for i := 0; i < 3; i++ {
		if n := countDepartments(t, env.DB, db.Scope{CompanyID: a, Role: "company_admin"}); n != 1 {
			t.Fatalf("company A's scope saw %d departments, want 1", n)
		}
	}
}

// TestTenantPoolAloneCannotDeclareAScope: the tenant role cannot read the
// key, so without the system pool beside it nothing runs.
func TestTenantPoolAloneCannotDeclareAScope(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	if _, err := db.OpenPools(context.Background(), env.AppURL, ""); err == nil {
		t.Fatal("OpenPools with the tenant role alone succeeded, want an error naming TAIWA_SYSTEM_DATABASE_URL")
	}
	d, err := db.Open(context.Background(), env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.InTx(context.Background(), db.Scope{Role: "company_admin"}, func(*sqlx.Tx) error { return nil }); err == nil {
		t.Fatal("a tenant pool without the key declared a scope")
	}
}

// TestScopeMigrationGoesDownAndUp: migration 00015 (and any after it) rolls
// back to the settings-based scope and forward again, and the sealed scope
// works after the round trip.
func TestScopeMigrationGoesDownAndUp(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	m, err := db.NewMigrator(env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	owner, err := sqlx.Open("postgres", env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	hasSecret := func() bool {
		var ok bool
		if err := owner.Get(&ok, `SELECT to_regclass('public.app_scope_secret') IS NOT NULL`); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	// Down past the first migration fails, so the loop cannot run away.
	for hasSecret() {
		if err := m.Down(ctx, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	var privileged bool
	if err := owner.Get(&privileged, `SELECT app_privileged()`); err != nil || privileged {
		t.Fatalf("after down app_privileged() = %v (%v), want false without app.role", privileged, err)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatal(err)
	}
	env.DB.Close()
	d, err := db.OpenPools(ctx, env.AppURL, env.SystemURL) // the key is new
	if err != nil {
		t.Fatal(err)
	}
	env.DB = d
	a, _ := seedTwoCompanies(t, d)
	if n := countDepartments(t, d, db.Scope{CompanyID: a, Role: "company_admin"}); n != 1 {
		t.Fatalf("after down and up company A's scope saw %d departments, want 1", n)
	}
}
