// Package dbtest gives each test a fresh, migrated PostgreSQL database: one
// real cluster per test package, migrated once into a template, cloned per
// test. Nothing is faked.
package dbtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/devenv"
)

const template = "taiwa_template"

var (
	cluster *devenv.Postgres
	counter atomic.Int64
)

// Main starts the package's cluster, runs the tests and stops it. Call it
// from TestMain.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "taiwa-pg-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	cluster, err = devenv.StartPostgres(ctx, dir, devenv.PostgresOptions{Fast: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest: a real PostgreSQL is needed:", err)
		return 1
	}
	defer cluster.Stop()
	if err := makeTemplate(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	return m.Run()
}

func makeTemplate(ctx context.Context) error {
	super, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
	if err != nil {
		return err
	}
	defer super.Close()
	if _, err := super.ExecContext(ctx, `CREATE DATABASE `+template+` OWNER `+devenv.OwnerRole); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	m, err := db.NewMigrator(cluster.AdminURL(template))
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Up(ctx, io.Discard)
}

// Env is one test's database.
type Env struct {
	Name     string
	DB       *db.DB // as the application role: row-level security applies
	AppURL   string
	AdminURL string // as the schema owner
	SuperURL string // as the cluster superuser
}

// New creates a fresh migrated database for t and drops it afterwards.
func New(t testing.TB) *Env {
	t.Helper()
	if cluster == nil {
		t.Fatal("dbtest: call dbtest.Main from TestMain")
	}
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%s", counter.Add(1), sanitize(t.Name()))
	super, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := super.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %s OWNER %s`, name, template, devenv.OwnerRole)); err != nil {
		t.Fatalf("dbtest: clone: %v", err)
	}
	env := &Env{Name: name, AppURL: cluster.AppURL(name), AdminURL: cluster.AdminURL(name), SuperURL: cluster.SuperURL(name)}
	env.DB, err = db.Open(ctx, env.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		env.DB.Close()
		s, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
		if err == nil {
			_, _ = s.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
			s.Close()
		}
	})
	return env
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}
