package api_test

import (
	"encoding/json"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
)

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if len(b) == 0 {
		return
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("not JSON: %s", b)
	}
}

// ownerDB connects as the schema owner, to check what the app role cannot see.
func ownerDB(t *testing.T, h *apptest.Harness) *sqlx.DB { return systemConn(t, h.Env.AdminURL) }

// appDB connects as the system role (the platform's own work runs there),
// as a SQL injection into system work would: what it still cannot do is
// refused by the database itself.
func appDB(t *testing.T, h *apptest.Harness) *sqlx.DB { return systemConn(t, h.Env.SystemURL) }

// systemConn is one connection to url. The role decides what it reads
// across companies (the owner and the system role do); app.role is a
// leftover of the old settings-based scope and grants nothing.
func systemConn(t *testing.T, url string) *sqlx.DB {
	t.Helper()
	d, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	// FORCE'd RLS binds the owner too: scope the one connection as system.
	d.SetMaxOpenConns(1)
	if _, err := d.Exec(`SELECT set_config('app.role', 'system', false)`); err != nil {
		t.Fatal(err)
	}
	return d
}
