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

// appDB connects as the application role in the platform's scope, as a
// SQL injection into system work would: what it still cannot do is
// refused by the database itself.
func appDB(t *testing.T, h *apptest.Harness) *sqlx.DB { return systemConn(t, h.Env.AppURL) }

// systemConn is one connection to url scoped as system.
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
