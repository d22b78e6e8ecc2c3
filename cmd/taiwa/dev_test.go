package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/devenv"
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
	bin := filepath.Join(t.TempDir(), "taiwa")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for round := 1; round <= 2; round++ {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "dev", "--addr", addr, "--data-dir", dir, "--seed", "none")
		var log strings.Builder
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitReady("http://"+addr+"/readyz", 60*time.Second) {
			_ = cmd.Process.Kill()
			t.Fatalf("round %d: not ready:\n%s", round, log.String())
		}
		if noEngine == nil && !waitSearch("http://"+addr+"/readyz", 30*time.Second) {
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

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitSearch waits until readyz reports the search engine ok.
func waitSearch(url string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if r, err := http.Get(url); err == nil {
			var deps map[string]string
			_ = json.NewDecoder(r.Body).Decode(&deps)
			r.Body.Close()
			if deps["search"] == "ok" {
				return true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}

func waitReady(url string, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if r, err := http.Get(url); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return false
}
