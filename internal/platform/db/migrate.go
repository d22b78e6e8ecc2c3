package db

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/taiwa/taiwa/migrations"
)

// Migrator applies the embedded SQL migrations under a PostgreSQL advisory
// lock, so two processes starting at once never migrate twice.
type Migrator struct {
	p  *goose.Provider
	db *sql.DB
}

// NewMigrator opens its own connection with the admin (schema owner) URL.
func NewMigrator(adminURL string) (*Migrator, error) {
	sdb, err := sql.Open("postgres", adminURL)
	if err != nil {
		return nil, fmt.Errorf("migrate: open: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("migrate: locker: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sdb, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		_ = sdb.Close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &Migrator{p: p, db: sdb}, nil
}

// Close releases the connection.
func (m *Migrator) Close() error { return m.db.Close() }

// Up applies every pending migration.
func (m *Migrator) Up(ctx context.Context, w io.Writer) error {
	res, err := m.p.Up(ctx)
	for _, r := range res {
		fmt.Fprintf(w, "applied %s (%s)\n", r.Source.Path, r.Duration)
	}
	if err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// Down rolls back the latest migration.
func (m *Migrator) Down(ctx context.Context, w io.Writer) error {
	r, err := m.p.Down(ctx)
	if r != nil {
		fmt.Fprintf(w, "rolled back %s\n", r.Source.Path)
	}
	if err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// DownTo rolls back every migration newer than version, newest first:
// what a test of one migration's Down and Up needs, however many
// migrations come after it.
func (m *Migrator) DownTo(ctx context.Context, w io.Writer, version int64) error {
	res, err := m.p.DownTo(ctx, version)
	for _, r := range res {
		fmt.Fprintf(w, "rolled back %s\n", r.Source.Path)
	}
	if err != nil {
		return fmt.Errorf("migrate down to %d: %w", version, err)
	}
	return nil
}

// Status prints each migration and whether it is applied.
func (m *Migrator) Status(ctx context.Context, w io.Writer) error {
	st, err := m.p.Status(ctx)
	if err != nil {
		return fmt.Errorf("migrate status: %w", err)
	}
	for _, s := range st {
		at := "pending"
		if s.State == goose.StateApplied {
			at = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(w, "%-40s %s\n", s.Source.Path, at)
	}
	return nil
}

// Pending reports whether the schema is behind the binary.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.p.HasPending(ctx)
}

// CheckCurrent refuses to serve against a schema that is behind: running new
// code over an old schema corrupts data quietly.
func CheckCurrent(ctx context.Context, appURL string) error {
	m, err := NewMigrator(appURL)
	if err != nil {
		return err
	}
	defer m.Close()
	cur, target, err := m.p.GetVersions(ctx)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	if cur < target {
		return fmt.Errorf("the database schema is at version %d but this binary needs %d: run `taiwa migrate up`", cur, target)
	}
	return nil
}
