// Package devenv starts the local services of the development environment
// and of the tests: a private PostgreSQL cluster under a data folder,
// reachable only through a unix socket, stopped when its parent goes.
package devenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
)

// Role names inside a local cluster. The owner runs migrations; the app role
// serves tenant requests and is neither superuser nor BYPASSRLS, so
// row-level security binds it; the system role (a member of the app role,
// so it has the same grants) runs the platform's own work and operators'
// reads, and is the only one the policies let across companies. The owner is
// a member of the system role, so pg_dump by the owner sees every row.
const (
	OwnerRole  = "taiwa"
	AppRole    = "taiwa_app"
	SystemRole = "taiwa_system"
	superRole  = "postgres"
)

// Postgres is a running local cluster.
type Postgres struct {
	Dir       string // the cluster's folder: data, socket and log
	SocketDir string
	cmd       *exec.Cmd
	done      chan error
	cred      *syscall.Credential
}

// PostgresOptions tune a cluster for its use.
type PostgresOptions struct {
	Fast bool      // fsync off and small memory: for tests
	Log  io.Writer // where progress lines go; nil for silence
}

// FindPostgresBin returns the folder of the newest installed PostgreSQL
// server binaries, or an error that says how to install them.
func FindPostgresBin() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	sort.Slice(matches, func(i, j int) bool { return pgMajor(matches[i]) > pgMajor(matches[j]) })
	if len(matches) > 0 {
		return filepath.Dir(matches[0]), nil
	}
	if p, err := exec.LookPath("postgres"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries found: install them with `apt-get install -y postgresql` (or set TAIWA_DATABASE_URL to an existing server)")
}

func pgMajor(p string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(p))))
	return n
}

// StartPostgres initialises (first time) and starts a cluster in dir, and
// makes sure the taiwa database and roles exist. A second start on the same
// dir reuses the data.
func StartPostgres(ctx context.Context, dir string, opt PostgresOptions) (*Postgres, error) {
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", a...)
		}
	}
	bin, err := FindPostgresBin()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p := &Postgres{Dir: dir, SocketDir: dir}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: run the cluster as the unprivileged
		// postgres user and give it the folder.
		cred, err := unprivileged(dir)
		if err != nil {
			return nil, err
		}
		p.cred = cred
	}
	data := filepath.Join(dir, "data")
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logf("postgres: initialising a new cluster in %s", data)
		args := []string{"-D", data, "-U", superRole, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"}
		if opt.Fast {
			args = append(args, "-N")
		}
		if out, err := p.run(ctx, filepath.Join(bin, "initdb"), args...); err != nil {
			return nil, fmt.Errorf("postgres: initdb: %w\n%s", err, out)
		}
	}
	if err := p.start(bin, data, opt.Fast); err != nil {
		return nil, err
	}
	if err := p.waitReady(ctx); err != nil {
		_ = p.Stop()
		return nil, err
	}
	if err := p.ensureDatabase(ctx, "taiwa"); err != nil {
		_ = p.Stop()
		return nil, err
	}
	logf("postgres: ready on unix socket in %s", p.SocketDir)
	return p, nil
}

func unprivileged(dir string) (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root, PostgreSQL needs an unprivileged user: install Debian's postgresql package (it creates the user `postgres`) or run as another user")
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	}); err != nil {
		return nil, fmt.Errorf("postgres: give %s to the postgres user: %w", dir, err)
	}
	// The postgres user must be able to pass through every parent folder
	// (a mktemp folder is 0700): grant search (x) only, never read.
	for p := filepath.Dir(dir); p != "/"; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if fi.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(p, fi.Mode().Perm()|0o001); err != nil {
				return nil, fmt.Errorf("postgres: let the postgres user pass through %s: %w", p, err)
			}
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func (p *Postgres) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.Dir = p.Dir
	return cmd.CombinedOutput()
}

func (p *Postgres) start(bin, data string, fast bool) error {
	args := []string{"-D", data, "-k", p.SocketDir, "-c", "listen_addresses=", "-c", "max_connections=200",
		"-c", "unix_socket_permissions=0770", "-c", "logging_collector=off"}
	if fast {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "shared_buffers=32MB")
	}
	logFile, err := os.OpenFile(filepath.Join(p.Dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("postgres: log file: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	// Pdeathsig: if this process dies, even by SIGKILL, the kernel sends the
	// server SIGINT (fast shutdown), so no orphan outlives its parent.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred, Pdeathsig: syscall.SIGINT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("postgres: start: %w", err)
	}
	p.cmd = cmd
	p.done = make(chan error, 1)
	go func() { p.done <- cmd.Wait(); logFile.Close() }()
	return nil
}

func (p *Postgres) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("postgres exited at start (%v); see %s", err, filepath.Join(p.Dir, "postgres.log"))
		default:
		}
		db, err := sqlx.Open("postgres", p.url(superRole, "postgres"))
		if err == nil {
			err = db.PingContext(ctx)
			db.Close()
			if err == nil {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres: not ready after 30s: %v; see %s", err, filepath.Join(p.Dir, "postgres.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *Postgres) url(role, database string) string {
	q := url.Values{"host": {p.SocketDir}, "user": {role}, "sslmode": {"disable"}}
	return "postgres:///" + database + "?" + q.Encode()
}

// AdminURL connects as the schema owner (migrations).
func (p *Postgres) AdminURL(database string) string { return p.url(OwnerRole, database) }

// AppURL connects as the application role, bound by row-level security.
func (p *Postgres) AppURL(database string) string { return p.url(AppRole, database) }

// SystemURL connects as the system role: the platform's own work.
func (p *Postgres) SystemURL(database string) string { return p.url(SystemRole, database) }

// SuperURL connects as the cluster's superuser (tests create databases).
func (p *Postgres) SuperURL(database string) string { return p.url(superRole, database) }

// EnsureDatabase creates the roles (once per cluster) and an empty database
// owned by the owner role, unless it exists.
func (p *Postgres) ensureDatabase(ctx context.Context, name string) error {
	db, err := sqlx.Open("postgres", p.SuperURL("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	stmts := []string{
		fmt.Sprintf(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$`, OwnerRole, OwnerRole),
		fmt.Sprintf(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$`, AppRole, AppRole),
		fmt.Sprintf(`DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN CREATE ROLE %s LOGIN NOSUPERUSER NOBYPASSRLS; END IF; END $$`, SystemRole, SystemRole),
		// A cluster made before the system role had the app role NOLOGIN.
		fmt.Sprintf(`ALTER ROLE %s LOGIN`, SystemRole),
		fmt.Sprintf(`DO $$ BEGIN IF NOT pg_has_role('%s', '%s', 'MEMBER') THEN GRANT %s TO %s; END IF; END $$`, SystemRole, AppRole, AppRole, SystemRole),
		fmt.Sprintf(`DO $$ BEGIN IF NOT pg_has_role('%s', '%s', 'MEMBER') THEN GRANT %s TO %s; END IF; END $$`, OwnerRole, SystemRole, SystemRole, OwnerRole),
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("postgres: roles: %w", err)
		}
	}
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return err
	}
	if !exists {
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s OWNER %s`, quoteIdent(name), OwnerRole)); err != nil {
			return fmt.Errorf("postgres: create database: %w", err)
		}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Stop shuts the server down (fast mode) and waits for it.
func (p *Postgres) Stop() error {
	if p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	stopChild(p.cmd, p.done, syscall.SIGINT, 30*time.Second)
	p.cmd = nil
	return nil
}

// stopChild sends a started child sig, waits up to grace for it to exit
// (done receives its Wait result) and kills it after that.
func stopChild(cmd *exec.Cmd, done <-chan error, sig syscall.Signal, grace time.Duration) {
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-done
	}
}
