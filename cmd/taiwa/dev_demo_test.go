package main

import (
	"context"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/devenv"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// lockedLog is a process's output that the test may read while it runs.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLog waits for want in the log, or until ctx ends.
func waitLog(ctx context.Context, l *lockedLog, want string) bool {
	return wait.Poll(ctx, func() bool { return strings.Contains(l.String(), want) })
}

// With demo data, the first start seeds and serves before the search index
// is built (the server rebuilds it in the background); the second start
// neither seeds nor reindexes, so nothing stands between the database and
// /readyz. Times to /readyz are logged (not asserted: the machine is
// shared); docs/benchmarks.md has the figures.
func TestDevWithDemoDataServesFirstAndReindexesOnlyAfterASeed(t *testing.T) {
	if _, noEngine := devenv.FindMeilisearch(); noEngine != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs Meilisearch: %v", noEngine)
		}
		t.Skip("needs Meilisearch: ", noEngine)
	}
	bin := dbtest.Binary(t)
	dir := t.TempDir()
	const rebuilt = "index was empty; rebuilt it"
	for round := 1; round <= 2; round++ {
		addr := freeAddr(t)
		cmd := devCommand(t, bin, "--addr", addr, "--data-dir", dir, "--seed", "demo")
		log := &lockedLog{}
		cmd.Stdout, cmd.Stderr = log, log
		started := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitReady(wait.Context(t, 0), "http://"+addr+"/readyz") {
			_ = cmd.Process.Kill()
			t.Fatalf("round %d: not ready:\n%s", round, log.String())
		}
		t.Logf("round %d: /readyz answered %s after the start", round, time.Since(started).Round(time.Millisecond))
		if round == 1 && !waitLog(wait.Context(t, 0), log, rebuilt) {
			_ = cmd.Process.Kill()
			t.Fatalf("round 1: the server never rebuilt the index after the seed:\n%s", log.String())
		}
		if !waitSearch(wait.Context(t, 0), "http://"+addr+"/readyz") {
			_ = cmd.Process.Kill()
			t.Fatalf("round %d: search is not ok:\n%s", round, log.String())
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Wait(); err != nil {
			t.Fatalf("round %d: dev exited with %v:\n%s", round, err, log.String())
		}
		out := log.String()
		if round == 2 && (strings.Contains(out, rebuilt) || strings.Contains(out, "reindexed")) {
			t.Fatalf("round 2 reindexed although nothing changed:\n%s", out)
		}
		if round == 2 && strings.Contains(out, "demo data seeded") {
			t.Fatalf("round 2 seeded again:\n%s", out)
		}
	}
}
