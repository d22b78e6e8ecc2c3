package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/app"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestServeRefusesASchemaThatIsBehind(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	m, err := db.NewMigrator(env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Down(context.Background(), io.Discard); err != nil {
		t.Fatalf("migrate down must roll back cleanly: %v", err)
	}
	cfg := config.Config{DatabaseURL: env.AppURL, SystemDatabaseURL: env.SystemURL, Addr: "127.0.0.1:0", SessionTTL: time.Hour, LoginMaxPerUser: 1, LoginMaxPerAddr: 1, LogLevel: "info", MeiliIndex: "counselors", NoteKeys: apptest.TestNoteKeys(t)}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	_, err = app.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err == nil || !strings.Contains(err.Error(), "taiwa migrate up") {
		t.Fatalf("app.New on a schema behind: %v, want a refusal that says `taiwa migrate up`", err)
	}
	if err := m.Up(context.Background(), io.Discard); err != nil {
		t.Fatalf("migrate up again: %v", err)
	}
	if pending, err := m.Pending(context.Background()); err != nil || pending {
		t.Fatalf("pending after up: %v %v", pending, err)
	}
}

func TestHealthReadinessMetricsAndHeaders(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c := h.Anonymous()
	if r := c.Raw("GET", "/healthz", "", nil); r.Status != 200 || strings.TrimSpace(string(r.Body)) != `{"status":"ok"}` {
		t.Fatalf("healthz: %d %s", r.Status, r.Body)
	}
	r := c.Raw("GET", "/readyz", "", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"postgres":"ok"`) || !strings.Contains(string(r.Body), `"stripe":"disabled"`) {
		t.Fatalf("readyz: %d %s", r.Status, r.Body)
	}
	for name, want := range map[string]string{
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'self'",
	} {
		if got := r.Header.Get(name); !strings.Contains(got, want) {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	if r.Header.Get("X-Request-Id") == "" {
		t.Error("no request id header")
	}
	m := c.Raw("GET", "/metrics", "", nil, "Authorization", "Bearer "+h.MetricsToken)
	if m.Status != 200 || !strings.Contains(string(m.Body), `taiwa_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"}`) {
		t.Fatalf("metrics lack the request histogram: %d", m.Status)
	}
}

func TestUnknownRoutesAndMethodsAreCleanErrors(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c := h.Anonymous()
	if r := c.Raw("GET", "/api/v1/nothing-here", "", nil); r.Status != 404 || !strings.Contains(string(r.Body), `"not_found"`) {
		t.Fatalf("unknown API route: %d %s", r.Status, r.Body)
	}
	if r := c.Raw("DELETE", "/api/v1/auth/login", "", nil); r.Status != 405 && r.Status != 404 {
		t.Fatalf("wrong method: %d %s", r.Status, r.Body)
	}
}

func TestHousekeepingDeletesOnlyWhatHasNoFurtherUse(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator() // one live session
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { _, err := tx.Exec(q); return err })
		if err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO rate_limits (key, window_start, hits) VALUES ('old', now() - interval '2 days', 1), ('new', now(), 1)`)
	exec(`INSERT INTO auth_sessions (token_hash, user_id, expires_at) SELECT '\x01', id, now() - interval '1 minute' FROM users LIMIT 1`)
	if err := h.App.Housekeep(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	var limits, sessions int
	err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&limits, `SELECT count(*) FROM rate_limits WHERE key IN ('old', 'new')`); err != nil {
			return err
		}
		return tx.Get(&sessions, `SELECT count(*) FROM auth_sessions`)
	})
	if err != nil || limits != 1 || sessions != 1 {
		t.Fatalf("rate windows %d sessions %d (%v), want the current window and the live session kept", limits, sessions, err)
	}
	if st := op.Do("GET", "/api/v1/me", nil, nil); st != 200 {
		t.Fatalf("the live session was deleted: %d", st)
	}
}
