package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/devenv"
)

// TestRestoreDrill is the backup drill of the README, end to end: pg_dump
// as the schema owner (not a superuser), pg_restore into a fresh cluster,
// and a server on the restored database gives the same API answers, to the
// same signed-in sessions, as the original.
func TestRestoreDrill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	bin, err := devenv.FindPostgresBin()
	if err != nil {
		t.Fatal(err)
	}
	h := apptest.New(t)
	if err := demo.SeedDemo(ctx, h.Env.DB.System(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	op := h.Login("operator@taiwa.example", "demo-pass-2026")
	hr := h.Login("hr@sample-shoji.example", "demo-pass-2026")
	emp := h.Login("emp0001@sample-shoji.example", "demo-pass-2026")
	type call struct {
		who  string
		tok  string
		path string
	}
	calls := []call{
		{"operator", op.Token, "/api/v1/companies"},
		{"operator", op.Token, "/api/v1/counselors/queue"},
		{"hr", hr.Token, "/api/v1/me"},
		{"employee", emp.Token, "/api/v1/me"},
		{"employee", emp.Token, "/api/v1/me/bookings"},
		{"employee", emp.Token, "/api/v1/me/consents"},
		{"operator", op.Token, "/api/v1/plans"},
	}
	before := make([][]byte, len(calls))
	for i, c := range calls {
		r := h.As(c.tok).Raw("GET", c.path, "", nil)
		if r.Status != 200 {
			t.Fatalf("%s GET %s before the dump: %d %s", c.who, c.path, r.Status, r.Body)
		}
		before[i] = r.Body
	}

	// 1. Dump as the owner. --enable-row-security: the owner is bound by the
	// FORCE'd policies, which let it (a member of taiwa_system) read all.
	dump := filepath.Join(t.TempDir(), "taiwa.dump")
	if out, err := exec.CommandContext(ctx, filepath.Join(bin, "pg_dump"), "--format=custom", "--enable-row-security",
		"--file="+dump, "--dbname="+h.Env.AdminURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump as the owner: %v\n%s", err, out)
	}

	// 2. A fresh cluster: devenv creates the three roles and an empty taiwa
	// database owned by the owner, as the README's drill does by hand.
	pg, err := devenv.StartPostgres(ctx, t.TempDir(), devenv.PostgresOptions{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pg.Stop() })
	if out, err := exec.CommandContext(ctx, filepath.Join(bin, "pg_restore"), "--exit-on-error", "--single-transaction",
		"--dbname="+pg.SuperURL("taiwa"), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}

	// 3. Serve the restored database; the notes' keys go with the backup.
	restored := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.DatabaseURL, c.SystemDatabaseURL, c.DatabaseAdminURL = pg.AppURL("taiwa"), pg.SystemURL("taiwa"), pg.AdminURL("taiwa")
		c.NoteKeys = h.App.Config.NoteKeys
	}})
	for i, c := range calls {
		r := restored.As(c.tok).Raw("GET", c.path, "", nil)
		if r.Status != 200 || !bytes.Equal(r.Body, before[i]) {
			t.Errorf("%s GET %s after the restore: %d\n%s\nbefore:\n%s", c.who, c.path, r.Status, r.Body, before[i])
		}
	}
}
