package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
)

func seedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	demoData := fs.Bool("demo", false, "load the demo companies, people and counsellors (development only)")
	scale := fs.Int("scale", 0, "load N generated employees (and counsellors) for benchmarks")
	if err := fs.Parse(args); err != nil || (*demoData == (*scale > 0)) {
		return errors.New("usage: taiwa seed --demo | --scale N")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	d, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer d.Close()
	if *demoData {
		return seedDemo(ctx, d, log)
	}
	return demo.SeedScale(ctx, d, *scale, log)
}

func seedDemo(ctx context.Context, d *db.DB, log *slog.Logger) error {
	return demo.SeedDemo(ctx, d, log)
}
