// Package db opens PostgreSQL and runs every unit of work in a transaction
// that first declares its tenant scope, so row-level security can enforce
// tenancy a second time beneath the application's own checks.
package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
)

// DB is the application's connection pool. A tenant pool (the taiwa_app
// role) carries the system pool beside it: InTx runs the privileged scopes
// (system, operator) there, after the application's own authorisation,
// because the tenant role itself can never read across companies.
type DB struct {
	*sqlx.DB
	key    []byte     // signs scope tickets (app_scope_secret); nil: cannot declare a scope
	system *DB        // the taiwa_system pool; nil: this pool is itself the system pool (or alone)
	stmts  *stmtCache // statements prepared once per connection (Stmt)
}

// OpenPools connects the tenant pool (tenantURL, the taiwa_app role) and the
// system pool (systemURL, the taiwa_system role), reads the scope key through
// the system pool, and returns the tenant pool with the system pool attached.
// An empty systemURL opens one pool, which must then be able to read the key
// itself (a privileged role): the tenant role alone cannot run.
func OpenPools(ctx context.Context, tenantURL, systemURL string) (*DB, error) {
	if systemURL == "" || systemURL == tenantURL {
		d, err := Open(ctx, tenantURL)
		if err != nil {
			return nil, err
		}
		if d.key == nil {
			d.Close()
			return nil, errors.New("db: this database role cannot read the scope key: set TAIWA_SYSTEM_DATABASE_URL to the system role (taiwa_system) beside TAIWA_DATABASE_URL (taiwa_app), and run `taiwa migrate up`")
		}
		return d, nil
	}
	sys, err := Open(ctx, systemURL)
	if err != nil {
		return nil, err
	}
	if sys.key == nil {
		sys.Close()
		return nil, errors.New("db: the system database role cannot read the scope key: TAIWA_SYSTEM_DATABASE_URL must connect as a member of taiwa_system, and the schema must be current (`taiwa migrate up`)")
	}
	t, err := Open(ctx, tenantURL)
	if err != nil {
		sys.Close()
		return nil, err
	}
	t.key, t.system = sys.key, sys
	return t, nil
}

// System is the pool that runs the platform's own work (the system pool
// when one is attached, else d itself).
func (d *DB) System() *DB {
	if d.system != nil {
		return d.system
	}
	return d
}

// Close closes the prepared statements, the pool, and the system pool
// attached to it.
func (d *DB) Close() error {
	if d.stmts != nil {
		d.stmts.closeAll()
	}
	err := d.DB.Close()
	if d.system != nil {
		err = errors.Join(err, d.system.Close())
	}
	return err
}

// Open connects and checks the connection. When the role can read the scope
// key (the system role or the owner), the pool can declare scopes alone.
func Open(ctx context.Context, url string) (*DB, error) {
	x, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	x.SetMaxOpenConns(20)
	x.SetMaxIdleConns(20) // as many as may be open: no reconnecting (and re-preparing) under load
	x.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := x.PingContext(pctx); err != nil {
		_ = x.Close()
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	d := &DB{DB: x, stmts: &stmtCache{}}
	// The tenant role has no privilege on the key: it reads as no key.
	var key []byte
	if err := x.GetContext(pctx, &key, `SELECT key FROM public.app_scope_secret`); err == nil {
		d.key = key
	}
	return d, nil
}

// Scope is who a unit of work acts for. RLS policies read it back through
// app_company_id(), app_user_id() and app_role().
type Scope struct {
	CompanyID uuid.UUID // uuid.Nil: no tenant
	UserID    uuid.UUID // uuid.Nil: nobody signed in
	Role      string    // employee, counselor, company_admin, operator, system
}

// RoleSystem is the scope of the platform's own jobs (worker, seed, billing).
const RoleSystem = "system"

// RoleOperator is the scope of operators' requests, read across companies
// through the system pool once the application has authorised them.
const RoleOperator = "operator"

// System is the scope for platform jobs that work across companies.
var System = Scope{Role: RoleSystem}

// Privileged reports whether s reads across companies: such scopes run on
// the system pool.
func (s Scope) Privileged() bool { return s.Role == RoleSystem || s.Role == RoleOperator }

// ticket is the MAC app_set_scope checks: the tenant role cannot make one
// because it cannot read the key.
func ticket(key []byte, body string) string {
	inner := sha256.Sum256(append(append([]byte(nil), key...), "ticket|"+body...))
	outer := sha256.Sum256(append(append([]byte(nil), key...), inner[:]...))
	return hex.EncodeToString(outer[:])
}

func idOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// setScope declares a transaction's scope; every transaction runs it, so it
// is prepared once per connection.
const setScope = `SELECT public.app_set_scope($1, $2, $3, $4)`

// QueryRowInScope runs query, one statement, with no explicit transaction
// around it (one round trip instead of BEGIN, scope, query, COMMIT), as a
// statement prepared once per connection. Its first four parameters are
// s's scope, in app_set_scope's order ($1 company, $2 user, $3 role, $4
// ticket), then args from $5: query must pass them to a function that
// declares the scope with app_set_scope before it reads anything (see
// app_authenticate in migrations/00026); the scope then lasts only for
// the statement's own transaction.
func (d *DB) QueryRowInScope(ctx context.Context, s Scope, query string, args ...any) *sqlx.Row {
	if s.Privileged() && d.system != nil {
		d = d.system
	}
	company, user := idOrEmpty(s.CompanyID), idOrEmpty(s.UserID)
	all := append([]any{company, user, s.Role, ticket(d.key, company+"|"+user+"|"+s.Role)}, args...)
	if d.stmts != nil {
		if st := d.stmts.lookup(d.DB, query); st != nil {
			return st.QueryRowxContext(ctx, all...)
		}
	}
	return d.QueryRowxContext(ctx, query, all...)
}

// InTx runs fn as one unit of work: a transaction that first declares
// s's tenant scope (sealed with the pool's key, so the tenant role cannot
// forge it), so row-level security checks every statement fn sends. A
// privileged scope runs on the system pool. fn's error rolls everything
// back and comes back through MapError (constraint violations become
// domain errors); a nil error commits.
func (d *DB) InTx(ctx context.Context, s Scope, fn func(tx *sqlx.Tx) error) error {
	if s.Privileged() && d.system != nil {
		return d.system.InTx(ctx, s, fn)
	}
	if d.key == nil {
		return errors.New("db: this pool cannot declare a scope (no scope key): open it with OpenPools and a system database URL")
	}
	company, user := idOrEmpty(s.CompanyID), idOrEmpty(s.UserID)
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	txPools.Store(tx, d)
	defer txPools.Delete(tx)
	if _, err := d.Stmt(ctx, tx, setScope).ExecContext(ctx,
		company, user, s.Role, ticket(d.key, company+"|"+user+"|"+s.Role)); err != nil {
		return fmt.Errorf("db: set scope: %w", err)
	}
	if err := fn(tx); err != nil {
		return MapError(err)
	}
	if err := tx.Commit(); err != nil {
		return MapError(fmt.Errorf("db: commit: %w", err))
	}
	return nil
}

// IsNoRows reports whether err says a query found nothing.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
