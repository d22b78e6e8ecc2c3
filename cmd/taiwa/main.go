// Command taiwa is the whole server: the web UI, the JSON API, the outbox
// worker and the operator's tools, as subcommands of one binary.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/services"
)

const usage = `taiwa — outsourced workplace interviews (面談代行 / 社外1on1)

Usage:
  taiwa serve                      serve the web UI and API (and the outbox worker)
  taiwa worker                     drain the outbox only
  taiwa migrate up|down|status     manage the database schema
  taiwa seed --demo | --scale N [--counselors M] [--sessions S]
                                   load demo data, or N generated employees (and M counsellors) for benchmarks
  taiwa search reindex             rebuild the counsellor search index with no downtime
  taiwa billing run [--period YYYY-MM] | payouts [--period YYYY-MM]
                                   bill a month (default: last month, JST); list counsellors' payouts
  taiwa reports release [--period YYYY-MM] [--company ID]
                                   publish a closed month's report releases (default: the latest closed month)
  taiwa keys new --id ID | rotate [--batch N]
                                   make a note key; re-seal private notes with the current key
  taiwa user create --role R --email E --password P [--name N] [--company ID]
  taiwa user disable|enable EMAIL_OR_ID
                                   block a user (every session ends at once) or let them sign in again
  taiwa dev [--addr A] [--data-dir D] [--seed demo|none]
                                   local PostgreSQL + Meilisearch + SMTP sink + seed + serve, in one
Configuration comes from TAIWA_* environment variables (see README.md).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmds := map[string]func(context.Context, []string) error{
		"serve":   serveCmd,
		"worker":  workerCmd,
		"migrate": migrateCmd,
		"seed":    seedCmd,
		"user":    userCmd,
		"dev":     devCmd,
		"search":  searchCmd,
		"billing": billingCmd,
		"keys":    keysCmd,
		"reports": reportsCmd,
	}
	name := os.Args[1]
	if name == "help" || name == "-h" || name == "--help" {
		fmt.Print(usage)
		return
	}
	run, ok := cmds[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "taiwa: unknown command %q\n\n%s", name, usage)
		os.Exit(2)
	}
	if err := run(ctx, os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "taiwa "+name+":", err)
		os.Exit(1)
	}
}

// newLogger writes JSON logs to stderr at the configured level.
func newLogger(level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// openServices loads the configuration, opens the database as the system
// role (one-shot subcommands are the platform's own work: billing runs,
// report releases, reindexing, users, keys) and builds the services on
// it with services.New, as serve and worker do, on the wall clock. The
// caller closes svc.DB.
func openServices(ctx context.Context) (config.Config, *services.Services, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, nil, err
	}
	d, err := db.OpenPools(ctx, cfg.SystemURL(), "")
	if err != nil {
		return cfg, nil, err
	}
	svc, err := services.New(cfg, d, newLogger(cfg.LogLevel), nil)
	if err != nil {
		d.Close()
		return cfg, nil, err
	}
	return cfg, svc, nil
}
