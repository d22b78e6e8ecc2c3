package main

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/devenv"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// TestDevStartsServesReusesAndStopsWithoutOrphans runs the real binary the
// way `make run` does, twice on one folder, and checks that SIGTERM leaves no
// PostgreSQL and no Meilisearch behind. Where the engine binary can be
// found, search must be served by it.
func TestDevStartsServesReusesAndStopsWithoutOrphans(t *testing.T) {
	_, noEngine := devenv.FindMeilisearch()
	if noEngine != nil && os.Getenv("CI") != "" {
		t.Fatalf("CI needs Meilisearch: %v", noEngine)
	}
	bin := dbtest.Binary(t)
	dir := t.TempDir()
	for round := 1; round <= 2; round++ {
		addr := freeAddr(t)
		cmd := devCommand(t, bin, "--addr", addr, "--data-dir", dir, "--seed", "none")
		var log strings.Builder
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitReady(wait.Context(t, 0), "http://"+addr+"/readyz") {
			_ = cmd.Process.Kill()
			t.Fatalf("round %d: not ready:\n%s", round, log.String())
		}
		if noEngine == nil && !waitSearch(wait.Context(t, 0), "http://"+addr+"/readyz") {
			_ = cmd.Process.Kill()
			t.Fatalf("round %d: search is not ok with an engine at hand:\n%s", round, log.String())
		}
		url, err := os.ReadFile(filepath.Join(dir, "database.url"))
		if err != nil || !strings.HasPrefix(string(url), "postgres://") || !strings.Contains(string(url), "taiwa_app") {
			t.Fatalf("database.url = %q (%v)", url, err)
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("round %d: dev exited with %v:\n%s", round, err, log.String())
		}
		inits := strings.Count(log.String(), "initialising a new cluster")
		if want := map[int]int{1: 1, 2: 0}[round]; inits != want {
			t.Fatalf("round %d: initialised %d times, want %d (a second start reuses the data)", round, inits, want)
		}
		if out, _ := exec.Command("pgrep", "-f", "postgres -D "+dir).Output(); len(out) > 0 {
			t.Fatalf("round %d: PostgreSQL outlived dev: %s", round, out)
		}
		if out, _ := exec.Command("pgrep", "-f", "db-path "+filepath.Join(dir, "meilisearch")).Output(); len(out) > 0 {
			t.Fatalf("round %d: Meilisearch outlived dev: %s", round, out)
		}
	}
}

// TestDevRefusesABusyAddressBeforeStartingAnything occupies a port and
// runs the dev command on it: it must fail at once, naming the address and
// how to pick another, before it makes the data folder (so before
// PostgreSQL, migrations or the seed). The context is cancelled so that,
// were the check missing, the command would still stop early.
func TestDevRefusesABusyAddressBeforeStartingAnything(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	dir := filepath.Join(t.TempDir(), "data")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = devCmd(ctx, []string{"--addr", addr, "--data-dir", dir, "--seed", "none"})
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		t.Fatalf("err = %v, want address in use", err)
	}
	for _, want := range []string{addr + " is already in use", "make run ADDR=", "--addr"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the message lacks %q:\n%v", want, err)
		}
	}
	if _, serr := os.Stat(dir); !errors.Is(serr, os.ErrNotExist) {
		t.Fatalf("the data folder was made (%v): dev started before checking its address", serr)
	}
}

// TestListenCheckLeavesAFreeAddressFree: the check closes what it opened,
// so the server can listen there afterwards; an address that cannot be
// listened on is refused with the way out too.
func TestListenCheckLeavesAFreeAddressFree(t *testing.T) {
	addr := freeAddr(t)
	if err := checkListenAddr(addr); err != nil {
		t.Fatalf("free %s refused: %v", addr, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("after the check %s is not free: %v", addr, err)
	}
	ln.Close()
	if err := checkListenAddr("127.0.0.1:99999"); err == nil || !strings.Contains(err.Error(), "cannot listen on 127.0.0.1:99999") ||
		!strings.Contains(err.Error(), "make run ADDR=127.0.0.1:8081") {
		t.Fatalf("a bad port: %v", err)
	}
}

// devCommand is `taiwa dev` with args as the tests run it: its embedded
// TURN server on a free loopback UDP port, since the default
// (0.0.0.0:3478) is one per machine and a second suite, or `make run`,
// may hold it.
func devCommand(t *testing.T, bin string, args ...string) *exec.Cmd {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	turn := pc.LocalAddr().String()
	pc.Close()
	cmd := exec.Command(bin, append([]string{"dev"}, args...)...)
	cmd.Env = append(os.Environ(), "TAIWA_TURN_ADDR="+turn)
	return cmd
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitSearch waits until readyz reports the search engine ok, or ctx
// ends.
func waitSearch(ctx context.Context, url string) bool {
	return wait.Poll(ctx, func() bool {
		r, err := http.Get(url)
		if err != nil {
			return false
		}
		defer r.Body.Close()
		var deps map[string]string
		_ = json.NewDecoder(r.Body).Decode(&deps)
		return deps["search"] == "ok"
	})
}

// waitReady waits until readyz answers 200, or ctx ends.
func waitReady(ctx context.Context, url string) bool {
	return wait.Poll(ctx, func() bool {
		r, err := http.Get(url)
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == http.StatusOK
	})
}
