// Package db opens PostgreSQL and runs every unit of work in a transaction
// that first declares its tenant scope, so row-level security can enforce
// tenancy a second time beneath the application's own checks.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
)

// DB is the application's connection pool.
type DB struct {
	*sqlx.DB
	stmts *stmtCache // statements prepared once per connection (Stmt)
}

// Open connects and checks the connection.
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
	return &DB{DB: x, stmts: &stmtCache{}}, nil
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

// System is the scope for platform jobs that work across companies.
var System = Scope{Role: RoleSystem}

func idOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}

// setScope declares a transaction's scope; every transaction runs it, so it
// is prepared once per connection.
const setScope = `SELECT set_config('app.company_id', $1, true), set_config('app.user_id', $2, true), set_config('app.role', $3, true)`

// Close closes the prepared statements and the pool.
func (d *DB) Close() error {
	if d.stmts != nil {
		d.stmts.closeAll()
	}
	return d.DB.Close()
}

// InTx runs fn in a transaction scoped to s, committing when fn returns nil.
// A panic or error rolls everything back: nothing half-written stays.
func (d *DB) InTx(ctx context.Context, s Scope, fn func(tx *sqlx.Tx) error) error {
	tx, err := d.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("db: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := d.Stmt(ctx, tx, setScope).ExecContext(ctx, idOrEmpty(s.CompanyID), idOrEmpty(s.UserID), s.Role); err != nil {
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
