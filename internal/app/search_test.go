package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/app"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// TestServeRebuildsAnEmptySearchIndexAtStart seeds counsellors behind the
// index's back (as `taiwa seed` does), then starts a server on the same
// database and engine: by the time its start-up preparation is over, the
// engine and the fallback's table both list every counsellor.
func TestServeRebuildsAnEmptySearchIndexAtStart(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Search: true})
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if n, err := h.App.Search.Count(ctx); err != nil || n != 0 {
		t.Fatalf("index before the restart: %d %v", n, err)
	}
	a, err := app.New(ctx, h.App.Config, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(rctx, ln) }()
	defer func() { stop(); <-done }()
	select {
	case <-a.SearchReady():
	case <-time.After(60 * time.Second):
		t.Fatal("search preparation did not finish")
	}
	if n, err := a.Search.Count(ctx); err != nil || n != demo.DemoCounselors {
		t.Fatalf("index after start: %d documents (%v), want %d", n, err, demo.DemoCounselors)
	}
	var rows int
	err = h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&rows, `SELECT count(*) FROM counselor_search`)
	})
	if err != nil || rows != demo.DemoCounselors {
		t.Fatalf("fallback table after start: %d rows (%v)", rows, err)
	}
}

// TestIndexRowsAreDoneWithoutAnEngine: with no Meilisearch configured the
// worker still takes search.counselor rows (keeping the fallback's table)
// instead of letting them die.
func TestIndexRowsAreDoneWithoutAnEngine(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO outbox (kind, payload)
			SELECT $1, jsonb_build_object('counselor_id', id) FROM counselors`, counselor.IndexKind)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.DrainOutbox(); n != demo.DemoCounselors+demo.PendingCounselors {
		t.Fatalf("drained %d rows", n)
	}
	var dead, rows int
	err = h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&dead, `SELECT count(*) FROM outbox WHERE status <> 'done'`); err != nil {
			return err
		}
		return tx.Get(&rows, `SELECT count(*) FROM counselor_search`)
	})
	if err != nil || dead != 0 || rows != demo.DemoCounselors {
		t.Fatalf("undone rows %d, fallback rows %d (%v)", dead, rows, err)
	}
}
