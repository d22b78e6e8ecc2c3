package devenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// MeilisearchBinEnv names the environment variable that points at a
// Meilisearch server binary, overriding the search below.
const MeilisearchBinEnv = "TAIWA_MEILISEARCH_BIN"

// meiliPackagePath is where `npm ci --prefix search` puts the pinned binary
// (see search/package.json and its lock file).
var meiliPackagePath = filepath.Join("search", "node_modules", "@gaubee", "meilisearch-linux-amd64", "meilisearch")

// ErrNoMeilisearch says no server binary could be found.
var ErrNoMeilisearch = errors.New("no Meilisearch server binary: run `make tools-search` (npm ci in search/) or set " + MeilisearchBinEnv)

// FindMeilisearch returns the path of a Meilisearch server binary: the one
// named by TAIWA_MEILISEARCH_BIN, the pinned npm package under search/ in
// this checkout (looked for from the working folder upwards), or one on PATH.
func FindMeilisearch() (string, error) {
	if p := os.Getenv(MeilisearchBinEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", MeilisearchBinEnv, p, err)
		}
		return p, nil
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			p := filepath.Join(dir, meiliPackagePath)
			if _, err := os.Stat(p); err == nil {
				return p, ensureExecutable(p)
			}
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil || dir == filepath.Dir(dir) {
				break
			}
		}
	}
	if p, err := exec.LookPath("meilisearch"); err == nil {
		return p, nil
	}
	return "", ErrNoMeilisearch
}

// ensureExecutable sets the execute bits npm leaves off the packaged binary.
func ensureExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o111 == 0o111 {
		return nil
	}
	return os.Chmod(p, fi.Mode().Perm()|0o755)
}

// Meilisearch is a running local search engine.
type Meilisearch struct {
	URL       string // http://127.0.0.1:PORT
	MasterKey string
	Dir       string
	cmd       *exec.Cmd
	done      chan error
}

// MeilisearchOptions tune an engine for its use.
type MeilisearchOptions struct {
	Log io.Writer // where progress lines go; nil for silence
}

// StartMeilisearch starts an engine with its data under dir, listening on
// a free loopback port, protected by a master key generated once and kept
// in dir/master.key. A second start on the same dir reuses data and key.
func StartMeilisearch(ctx context.Context, dir string, opt MeilisearchOptions) (*Meilisearch, error) {
	bin, err := FindMeilisearch()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("meilisearch: %w", err)
	}
	key, err := masterKey(filepath.Join(dir, "master.key"))
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	m := &Meilisearch{URL: fmt.Sprintf("http://127.0.0.1:%d", port), MasterKey: key, Dir: dir}
	logFile, err := os.OpenFile(filepath.Join(dir, "meilisearch.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("meilisearch: log file: %w", err)
	}
	cmd := exec.Command(bin,
		"--db-path", filepath.Join(dir, "data.ms"),
		"--dump-dir", filepath.Join(dir, "dumps"),
		"--snapshot-dir", filepath.Join(dir, "snapshots"),
		"--http-addr", fmt.Sprintf("127.0.0.1:%d", port),
		"--env", "development",
		"--no-analytics",
		"--log-level", "WARN",
		"--max-indexing-threads", "2",
		// By default the engine may take two thirds of the machine's
		// memory while indexing (5.3 GiB of RSS after 10,000 counsellors
		// on a 24 GB machine, for 84 MB on disk); our documents are small.
		"--max-indexing-memory", "512MiB",
	)
	cmd.Dir = dir
	// The key goes through the environment, never the command line (ps).
	cmd.Env = append(os.Environ(), "MEILI_MASTER_KEY="+key)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// As with PostgreSQL: the engine dies with its parent, even on SIGKILL.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("meilisearch: start %s: %w", bin, err)
	}
	m.cmd = cmd
	m.done = make(chan error, 1)
	go func() { m.done <- cmd.Wait(); logFile.Close() }()
	if err := m.waitReady(ctx); err != nil {
		_ = m.Stop()
		return nil, err
	}
	if opt.Log != nil {
		fmt.Fprintf(opt.Log, "meilisearch: ready on %s\n", m.URL)
	}
	return m, nil
}

func masterKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	key := hex.EncodeToString(b)
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("meilisearch: keep master key: %w", err)
	}
	return key, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (m *Meilisearch) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-m.done:
			m.done <- err
			return fmt.Errorf("meilisearch exited at start (%v); see %s", err, filepath.Join(m.Dir, "meilisearch.log"))
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(m.URL + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("meilisearch did not answer on %s within 60s; see %s", m.URL, filepath.Join(m.Dir, "meilisearch.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the engine down and waits for it.
func (m *Meilisearch) Stop() error {
	if m.cmd == nil || m.cmd.Process == nil {
		return nil
	}
	stopChild(m.cmd, m.done, syscall.SIGTERM, 20*time.Second)
	m.cmd = nil
	return nil
}
