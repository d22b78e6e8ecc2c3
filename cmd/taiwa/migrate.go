package main

import (
	"context"
	"errors"
	"os"

	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
)

func migrateCmd(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: taiwa migrate up|down|status")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	m, err := db.NewMigrator(cfg.DatabaseAdminURL)
	if err != nil {
		return err
	}
	defer m.Close()
	switch args[0] {
	case "up":
		return m.Up(ctx, os.Stdout)
	case "down":
		return m.Down(ctx, os.Stdout)
	case "status":
		return m.Status(ctx, os.Stdout)
	}
	return errors.New("usage: taiwa migrate up|down|status")
}
