package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"

	"github.com/taiwa/taiwa/internal/demo"
)

func seedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	demoData := fs.Bool("demo", false, "load the demo companies, people and counsellors (development only)")
	scale := fs.Int("scale", 0, "load N generated employees (and counsellors) for benchmarks")
	counselors := fs.Int("counselors", 0, "with --scale: generate M counsellors (default one per 20 employees)")
	sessions := fs.Int("sessions", 0, "with --scale: generate S held sessions with records and ratings over the last 24 months")
	if err := fs.Parse(args); err != nil || (*demoData == (*scale > 0)) || *sessions < 0 || (*sessions > 0 && *scale == 0) {
		return errors.New("usage: taiwa seed --demo | --scale N [--counselors M] [--sessions S]")
	}
	cfg, svc, err := openServices(ctx)
	if err != nil {
		return err
	}
	d, log := svc.DB, svc.Log
	defer d.Close()
	if *demoData {
		if cfg.Keyring == nil {
			log.Warn("TAIWA_NOTE_KEYS is not set: the demo's records get no private notes")
		}
		err = demo.Seed(ctx, d, log, cfg.Keyring)
	} else {
		err = demo.SeedScaleWith(ctx, d, demo.ScaleOptions{Employees: *scale, Counselors: *counselors, Sessions: *sessions}, log)
	}
	if err != nil {
		return err
	}
	// Seeding writes counsellors directly, not through the outbox: bring
	// search up to date with them.
	return reindex(ctx, svc.Counselors, os.Stderr)
}
