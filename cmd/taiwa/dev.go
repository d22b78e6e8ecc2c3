package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/devenv"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/services"
)

// devCmd is API.md's development environment: a private PostgreSQL under
// the data folder, migrated and seeded, Meilisearch beside it when its
// binary can be found, a real SMTP sink whose mail the operator reads in
// the UI, and the server — all stopped together.
func devCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	dataDir := fs.String("data-dir", ".data", "folder for the database and logs")
	seed := fs.String("seed", "demo", "demo or none")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w\nusage: taiwa dev [--addr HOST:PORT] [--data-dir DIR] [--seed demo|none]", err)
	}
	if *seed != "demo" && *seed != "none" {
		return errors.New("--seed must be demo or none")
	}
	// Before anything slow starts: a busy port would otherwise fail only
	// after PostgreSQL, migrations and the seed.
	if err := checkListenAddr(*addr); err != nil {
		return err
	}
	external := os.Getenv("TAIWA_DATABASE_URL") != ""
	cfg, err := devConfig(*addr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	if err := os.MkdirAll(*dataDir, 0o755); err != nil {
		return err
	}
	if err := devKeys(&cfg, *dataDir); err != nil {
		return err
	}
	if external {
		fmt.Fprintln(os.Stderr, "postgres: using TAIWA_DATABASE_URL instead of a local cluster")
	} else {
		pg, err := devenv.StartPostgres(ctx, filepath.Join(*dataDir, "postgres"), devenv.PostgresOptions{Log: os.Stderr})
		if err != nil {
			return err
		}
		defer pg.Stop()
		cfg.DatabaseURL, cfg.DatabaseAdminURL = pg.AppURL("taiwa"), pg.AdminURL("taiwa")
		cfg.SystemDatabaseURL = pg.SystemURL("taiwa")
	}
	if err := os.WriteFile(filepath.Join(*dataDir, "database.url"), []byte(cfg.DatabaseURL+"\n"), 0o600); err != nil {
		return err
	}
	m, err := db.NewMigrator(cfg.DatabaseAdminURL)
	if err != nil {
		return err
	}
	err = m.Up(ctx, os.Stderr)
	m.Close()
	if err != nil {
		return err
	}
	d, err := db.OpenPools(ctx, cfg.DatabaseURL, cfg.SystemDatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	stopSearch, err := devSearch(ctx, &cfg, *dataDir)
	if err != nil {
		return err
	}
	defer stopSearch()
	svc, err := services.New(cfg, d, log, nil)
	if err != nil {
		return err
	}
	if *seed == "demo" {
		present, err := demo.Present(ctx, d)
		if err != nil {
			return err
		}
		if !present {
			if err := demo.Seed(ctx, d.System(), log, cfg.Keyring); err != nil {
				return err
			}
			// The seed writes counsellors directly. Rather than index them
			// before serving (seconds), drop whatever index an earlier
			// database left: the server sees it empty and rebuilds it in
			// the background, PostgreSQL answering searches meanwhile. A
			// later start has nothing to do here.
			if err := dropDevIndex(ctx, svc.Search); err != nil {
				return err
			}
		} else {
			demo.LogPointers(ctx, d.System(), log) // the seed logs them itself
		}
	}
	sink, err := mail.StartSink(ctx, "127.0.0.1:0", d, log)
	if err != nil {
		return err
	}
	defer sink.Close()
	cfg.SMTPURL = sink.URL()
	searchAt := "PostgreSQL fallback (no Meilisearch)"
	if cfg.MeiliURL != "" {
		searchAt = "Meilisearch at " + cfg.MeiliURL
	}
	fmt.Fprintf(os.Stderr, "\n  Taiwa is running: %s\n  Demo logins (password demo-pass-2026): operator@taiwa.example, hr@sample-shoji.example, emp0001@sample-shoji.example, counselor001@taiwa.example\n  Mail sent in development is caught and shown at %s/operator/mail\n  Database URL: %s\n  Counsellor search: %s\n\n", cfg.BaseURL, cfg.BaseURL, filepath.Join(*dataDir, "database.url"), searchAt)
	return serve(ctx, cfg)
}

// checkListenAddr makes sure addr can be listened on, by listening and
// closing at once, and otherwise says how to choose another address. (A
// program may still take the port in the seconds before the server
// listens; then serve fails as before.)
func checkListenAddr(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln.Close()
	}
	other := "127.0.0.1:8081"
	if host, port, serr := net.SplitHostPort(addr); serr == nil {
		if n, perr := strconv.Atoi(port); perr == nil && n > 0 && n < 65535 {
			other = net.JoinHostPort(host, strconv.Itoa(n+1))
		}
	}
	why := "cannot listen on " + addr
	if errors.Is(err, syscall.EADDRINUSE) {
		why = addr + " is already in use (another taiwa dev, or another program, listens there)"
	}
	return fmt.Errorf("%s: %w\nchoose another address: make run ADDR=%s (or taiwa dev --addr %s)", why, err, other, other)
}

// devConfig is the environment's configuration with development defaults:
// plain HTTP on loopback (so cookies are not Secure) and dev mode on. Without
// TAIWA_DATABASE_URL the local cluster's URLs are filled in once it runs.
func devConfig(addr string) (config.Config, error) {
	if os.Getenv("TAIWA_DATABASE_URL") == "" {
		os.Setenv("TAIWA_DATABASE_URL", "postgres://placeholder/taiwa")
	}
	os.Setenv("TAIWA_ADDR", addr)
	if os.Getenv("TAIWA_COOKIE_SECURE") == "" {
		os.Setenv("TAIWA_COOKIE_SECURE", "false")
	}
	os.Setenv("TAIWA_DEV", "true")
	return config.Load()
}

// devSearch starts Meilisearch under dataDir/meilisearch and points cfg at
// it, unless TAIWA_MEILISEARCH_URL already names an engine. Without a
// binary, search answers from PostgreSQL. The returned func stops the
// engine (which also dies with this process, even on SIGKILL).
func devSearch(ctx context.Context, cfg *config.Config, dataDir string) (func(), error) {
	if cfg.MeiliURL != "" {
		fmt.Fprintln(os.Stderr, "meilisearch: using TAIWA_MEILISEARCH_URL instead of a local engine")
		return func() {}, nil
	}
	if _, err := devenv.FindMeilisearch(); err != nil {
		fmt.Fprintf(os.Stderr, "meilisearch: %v\nmeilisearch: counsellor search falls back to PostgreSQL\n", err)
		return func() {}, nil
	}
	ms, err := devenv.StartMeilisearch(ctx, filepath.Join(dataDir, "meilisearch"), devenv.MeilisearchOptions{Log: os.Stderr})
	if err != nil {
		return nil, err
	}
	cfg.MeiliURL, cfg.MeiliKey = ms.URL, ms.MasterKey
	return func() { _ = ms.Stop() }, nil
}

// devKeys gives the development server keys for private notes: those of
// TAIWA_NOTE_KEYS when set, else dataDir/note-keys, made on first start
// (random, readable by its owner only, never in the repository).
func devKeys(cfg *config.Config, dataDir string) error {
	if cfg.Keyring != nil {
		return nil
	}
	path := filepath.Join(dataDir, "note-keys")
	spec, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key, kerr := seal.NewKey("dev1")
		if kerr != nil {
			return kerr
		}
		spec = []byte(key + "\n")
		err = os.WriteFile(path, spec, 0o600)
	}
	if err != nil {
		return fmt.Errorf("note keys: %w", err)
	}
	cfg.NoteKeys = strings.TrimSpace(string(spec))
	cfg.Keyring, err = seal.ParseKeys(cfg.NoteKeys)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// dropDevIndex deletes the development index (absent is fine; nil: no
// engine is configured).
func dropDevIndex(ctx context.Context, ix *meili.Index) error {
	if ix == nil {
		return nil
	}
	if err := ix.DeleteIndex(ctx); err != nil && !errors.Is(err, meili.ErrNoIndex) {
		return fmt.Errorf("search: drop the stale index: %w", err)
	}
	return nil
}
