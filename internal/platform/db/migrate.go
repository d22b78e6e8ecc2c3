package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/lib/pq"
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
// code over an old schema corrupts data quietly. It reads goose's version
// table directly and compares it with the embedded files' versions, known
// from their names: parsing every migration's SQL (what a goose provider
// does when it is made) is not needed to tell, and every server start and
// every test server would pay for it.
func CheckCurrent(ctx context.Context, appURL string) error {
	want, err := embeddedVersions()
	if err != nil {
		return err
	}
	sdb, err := sql.Open("postgres", appURL)
	if err != nil {
		return fmt.Errorf("check schema: %w", err)
	}
	defer sdb.Close()
	applied := map[int64]bool{}
	rows, err := sdb.QueryContext(ctx, `SELECT DISTINCT ON (version_id) version_id, is_applied
		FROM goose_db_version ORDER BY version_id, id DESC`)
	var pqErr *pq.Error
	switch {
	case errors.As(err, &pqErr) && pqErr.Code == "42P01": // no version table: nothing applied
	case err != nil:
		return fmt.Errorf("check schema: %w", err)
	default:
		defer rows.Close()
		for rows.Next() {
			var v int64
			var ok bool
			if err := rows.Scan(&v, &ok); err != nil {
				return fmt.Errorf("check schema: %w", err)
			}
			applied[v] = ok
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("check schema: %w", err)
		}
	}
	var cur int64
	for v, ok := range applied {
		if ok && v > cur {
			cur = v
		}
	}
	for _, v := range want {
		if !applied[v] {
			return fmt.Errorf("the database schema is at version %d but this binary needs %d (migration %d is not applied): run `taiwa migrate up`", cur, want[len(want)-1], v)
		}
	}
	return nil
}

// embeddedVersions are the versions of the embedded migrations, ascending,
// read from the files' names (00026_name.sql is version 26).
var embeddedVersions = sync.OnceValues(func() ([]int64, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("check schema: %w", err)
	}
	var out []int64
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("check schema: migration %s has no version number", name)
		}
		out = append(out, v)
	}
	slices.Sort(out)
	if len(out) == 0 {
		return nil, errors.New("check schema: no embedded migrations")
	}
	return out, nil
})
