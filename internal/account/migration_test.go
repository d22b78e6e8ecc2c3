package account_test

import (
	"context"
	"io"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestMigrationDisablesCounsellorsSuspendedBeforeSuspensionDisabledAccounts:
// a counsellor suspended under the old rule kept a working account; the
// migration disables it and ends its sessions, and its Down gives back
// only what it took.
func TestMigrationDisablesCounsellorsSuspendedBeforeSuspensionDisabledAccounts(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	m, err := db.NewMigrator(env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	if err := m.DownTo(ctx, io.Discard, 12); err != nil {
		t.Fatalf("down: %v", err)
	}
	owner, err := sqlx.Open("postgres", env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	asSystem := func(fn func(tx *sqlx.Tx) error) {
		t.Helper()
		tx, err := owner.Beginx()
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback() }()
		if _, err := tx.Exec(`SELECT set_config('app.role', 'system', true)`); err != nil {
			t.Fatal(err)
		}
		if err := fn(tx); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]string{}
	asSystem(func(tx *sqlx.Tx) error {
		for _, c := range []struct{ email, status string }{{"suspended@taiwa.example", "suspended"}, {"listed@taiwa.example", "verified"}} {
			var id string
			if err := tx.Get(&id, `INSERT INTO users (email, name, role) VALUES ($1, 'x', 'counselor') RETURNING id`, c.email); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO counselors (user_id, status) VALUES ($1, $2)`, id, c.status); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO auth_sessions (token_hash, user_id, expires_at) VALUES (decode(md5($1), 'hex'), $2, now() + interval '1 hour')`, c.email, id); err != nil {
				return err
			}
			ids[c.status] = id
		}
		return nil
	})
	type state struct {
		Disabled bool `db:"disabled"`
		Sessions int  `db:"sessions"`
	}
	read := func(id string) (s state) {
		t.Helper()
		asSystem(func(tx *sqlx.Tx) error {
			return tx.Get(&s, `SELECT disabled_at IS NOT NULL AS disabled, (SELECT count(*) FROM auth_sessions WHERE user_id = u.id) AS sessions FROM users u WHERE id = $1`, id)
		})
		return s
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up: %v", err)
	}
	if s := read(ids["suspended"]); !s.Disabled || s.Sessions != 0 {
		t.Fatalf("suspended counsellor after the migration: %+v, want disabled with no session", s)
	}
	if s := read(ids["verified"]); s.Disabled || s.Sessions != 1 {
		t.Fatalf("listed counsellor after the migration: %+v, want untouched", s)
	}
	var audited int
	asSystem(func(tx *sqlx.Tx) error {
		return tx.Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'user.disable' AND target_id = $1`, ids["suspended"])
	})
	if audited != 1 {
		t.Fatalf("%d audit entries, want 1", audited)
	}
	if err := m.DownTo(ctx, io.Discard, 12); err != nil {
		t.Fatalf("down again: %v", err)
	}
	if s := read(ids["suspended"]); s.Disabled || s.Sessions != 0 {
		t.Fatalf("after down: %+v, want enabled with its sessions still ended", s)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
