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
func ownerDB(t *testing.T, h *apptest.Harness) *sqlx.DB {
	t.Helper()
	d, err := sqlx.Open("postgres", h.Env.AdminURL)
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
