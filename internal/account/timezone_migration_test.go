package account_test

import (
	"context"
	"io"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// TestTimezoneMigrationGoesDownAndUpAgain: 00021's Down drops the users'
// zone, Up gives every user Japan time back, and a name too long for a
// zone is refused.
func TestTimezoneMigrationGoesDownAndUpAgain(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	owner, err := sqlx.Open("postgres", env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Exec(`INSERT INTO users (email, name, role, timezone) VALUES ('op@taiwa.example', 'x', 'operator', 'Europe/Berlin')`); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(`UPDATE users SET timezone = repeat('x', 65)`); err == nil {
		t.Error("a 65-character zone was stored")
	}
	m, err := db.NewMigrator(env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, io.Discard, 20); err != nil {
		t.Fatalf("down: %v", err)
	}
	var n int
	if err := owner.Get(&n, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'timezone'`); err != nil || n != 0 {
		t.Fatalf("column after Down: %d %v", n, err)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
	var zone string
	if err := owner.Get(&zone, `SELECT timezone FROM users WHERE email = 'op@taiwa.example'`); err != nil || zone != "Asia/Tokyo" {
		t.Fatalf("zone after Up: %q %v", zone, err)
	}
}
