package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestUserDisableAndEnableFromTheCommandLine runs the real binary against
// a test database: disabling ends the user's sessions, enabling lets them
// back without their old sessions, the last operator is refused.
func TestUserDisableAndEnableFromTheCommandLine(t *testing.T) {
	bin := dbtest.Binary(t)
	env := dbtest.New(t)
	var empID string
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		cid := dbtest.Company(t, tx, dbtest.Name("サンプル商事"))
		dbtest.Operator(t, tx, "operator@taiwa.example")
		empID = dbtest.Employee(t, tx, cid, "emp@sample-shoji.example").UserID.String()
		_, err := tx.Exec(`INSERT INTO auth_sessions (token_hash, user_id, expires_at) VALUES ('\x01', $1, now() + interval '1 hour')`, empID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"user"}, args...)...)
		cmd.Env = env.CommandEnv()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	state := func() (disabled bool, sessions int) {
		err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
			if err := tx.Get(&disabled, `SELECT disabled_at IS NOT NULL FROM users WHERE id = $1`, empID); err != nil {
				return err
			}
			return tx.Get(&sessions, `SELECT count(*) FROM auth_sessions WHERE user_id = $1`, empID)
		})
		if err != nil {
			t.Fatal(err)
		}
		return disabled, sessions
	}

	if out, err := run("disable", "EMP@sample-shoji.example"); err != nil || !strings.Contains(out, "disabled employee emp@sample-shoji.example") {
		t.Fatalf("disable by email: %v\n%s", err, out)
	}
	if d, n := state(); !d || n != 0 {
		t.Fatalf("after disable: disabled %v, %d sessions; want true, 0", d, n)
	}
	if out, err := run("enable", empID); err != nil || !strings.Contains(out, "enabled employee") {
		t.Fatalf("enable by id: %v\n%s", err, out)
	}
	if d, n := state(); d || n != 0 {
		t.Fatalf("after enable: disabled %v, %d sessions; want false, 0", d, n)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"disable", "operator@taiwa.example"}, "last active operator"},
		{[]string{"disable", "nobody@taiwa.example"}, "user not found"},
		{[]string{"disable", "not an address"}, "valid email"},
		{[]string{"disable"}, "usage"},
		{[]string{"freeze", "emp@sample-shoji.example"}, "usage"},
	} {
		if out, err := run(c.args...); err == nil || !strings.Contains(out, c.want) {
			t.Errorf("taiwa user %v: %v\n%s\nwant an error saying %q", c.args, err, out, c.want)
		}
	}
	var audited int
	err = env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&audited, `SELECT count(*) FROM audit_log WHERE target_id = $1 AND action IN ('user.disable', 'user.enable') AND actor_role = 'system'`, empID)
	})
	if err != nil || audited != 2 {
		t.Fatalf("%d audit entries (%v), want 2", audited, err)
	}
}
