package main

import (
	"context"
	"errors"
	"net"

	"github.com/taiwa/taiwa/internal/app"
	"github.com/taiwa/taiwa/internal/platform/config"
)

func serveCmd(ctx context.Context, args []string) error {
	if len(args) > 0 {
		return errors.New("serve takes no arguments; configure it with TAIWA_* variables")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	return serve(ctx, cfg)
}

func serve(ctx context.Context, cfg config.Config) error {
	log := newLogger(cfg.LogLevel)
	a, err := app.New(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	return a.Run(ctx, ln)
}

func workerCmd(ctx context.Context, args []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	cfg.TurnAddr = "" // the worker serves no video room (serve runs the TURN server)
	a, err := app.New(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	log.Info("worker started")
	return a.Worker.Run(ctx)
}
