// Package dbtest gives each test a fresh, migrated PostgreSQL database: one
// real cluster per test package, migrated once into a template, cloned per
// test. Nothing is faked.
package dbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/devenv"
)

const template = "taiwa_template"

var (
	cluster *devenv.Postgres
	counter atomic.Int64
	mainRan atomic.Bool // Main stops the cluster; New refuses to start one without it

	engineOnce sync.Once
	engine     *devenv.Meilisearch
	engineErr  error
	engineDir  string
)

// Main runs the package's tests and stops what they started. The cluster
// starts on the first New, so a package whose tests never ask for a
// database never boots PostgreSQL. Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main for a TestMain that has more to stop before it exits: it
// runs the tests, stops what they started and returns the exit code.
func Run(m *testing.M) int {
	mainRan.Store(true)
	defer removeBinary()
	defer stopEngine()
	defer stopCluster()
	return m.Run()
}

var (
	clusterOnce sync.Once
	clusterErr  error
	clusterDir  string
)

// startCluster boots the package's cluster and migrates the template once.
func startCluster() error {
	clusterOnce.Do(func() {
		ctx := context.Background()
		clusterDir, clusterErr = os.MkdirTemp(scratch(), "taiwa-pg-")
		if clusterErr != nil {
			return
		}
		cluster, clusterErr = devenv.StartPostgres(ctx, clusterDir, devenv.PostgresOptions{Fast: true})
		if clusterErr != nil {
			clusterErr = fmt.Errorf("a real PostgreSQL is needed: %w", clusterErr)
			return
		}
		clusterErr = makeTemplate(ctx)
	})
	return clusterErr
}

func stopCluster() {
	if cluster != nil {
		_ = cluster.Stop()
	}
	if clusterDir != "" {
		_ = os.RemoveAll(clusterDir)
	}
}

func makeTemplate(ctx context.Context) error {
	super, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
	if err != nil {
		return err
	}
	defer super.Close()
	if _, err := super.ExecContext(ctx, `CREATE DATABASE `+template+` OWNER `+devenv.OwnerRole); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	m, err := db.NewMigrator(cluster.AdminURL(template))
	if err != nil {
		return err
	}
	defer m.Close()
	return m.Up(ctx, io.Discard)
}

// scratch is where a package's throwaway cluster and engine keep their
// files: the machine's memory file system when it has one with room
// (/dev/shm), else the temporary directory. Every test creates and drops a
// database of a thousand files; on a disk file system that bookkeeping was
// a fifth of a whole run's CPU (kernel time of PostgreSQL, measured with
// perf), on tmpfs it is next to nothing. Nothing here needs to survive.
func scratch() string {
	const shm, room = "/dev/shm", 4 << 30
	var fs syscall.Statfs_t
	if err := syscall.Statfs(shm, &fs); err != nil || fs.Type != tmpfsMagic || fs.Bavail*uint64(fs.Bsize) < room {
		return os.TempDir()
	}
	if syscall.Access(shm, 2 /* W_OK */) != nil {
		return os.TempDir()
	}
	return shm
}

// tmpfsMagic is statfs's f_type for tmpfs (linux/magic.h).
const tmpfsMagic = 0x01021994

// Env is one test's database.
type Env struct {
	Name      string
	DB        *db.DB // as the application role (row-level security applies), with the system pool attached
	AppURL    string // the tenant role, taiwa_app
	SystemURL string // the system role, taiwa_system
	AdminURL  string // as the schema owner
	SuperURL  string // as the cluster superuser
}

// CommandEnv is the environment for a taiwa subprocess on this database:
// the test's own environment without any TAIWA_ variable, then
// TAIWA_DATABASE_URL as the application role and TAIWA_SYSTEM_DATABASE_URL
// as the system role, then extra ("K=V").
func (e *Env) CommandEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TAIWA_") {
			out = append(out, kv)
		}
	}
	return append(append(out, "TAIWA_DATABASE_URL="+e.AppURL, "TAIWA_SYSTEM_DATABASE_URL="+e.SystemURL), extra...)
}

// New creates a fresh migrated database for t and drops it afterwards.
func New(t testing.TB) *Env {
	t.Helper()
	start(t)
	return clone(t, template, "")
}

// A Seed is data that many tests of a package start from, such as the
// demo: Fill writes it once per test binary into a template database of
// its own (named by Name), and NewFrom clones that template for each test,
// a file copy instead of seeding again. Fill gets the same pools a test
// does; a test that needs the act of seeding itself (determinism, a second
// run) seeds a New database instead.
type Seed struct {
	Name string
	Fill func(ctx context.Context, d *db.DB) error
}

type seeded struct {
	once sync.Once
	name string
	err  error
}

var (
	seedsMu sync.Mutex
	seeds   = map[string]*seeded{}
)

// NewFrom creates a fresh database for t holding what s.Fill wrote, and
// drops it afterwards.
func NewFrom(t testing.TB, s Seed) *Env {
	t.Helper()
	start(t)
	seedsMu.Lock()
	tmpl := seeds[s.Name]
	if tmpl == nil {
		tmpl = &seeded{name: "seed_" + sanitize(s.Name)}
		seeds[s.Name] = tmpl
	}
	seedsMu.Unlock()
	tmpl.once.Do(func() { tmpl.err = fill(tmpl.name, s.Fill) })
	if tmpl.err != nil {
		t.Fatalf("dbtest: seed %s: %v", s.Name, tmpl.err)
	}
	return clone(t, tmpl.name, " STRATEGY FILE_COPY")
}

// fill makes the template name from the migrated one and runs f on it.
// Its pools are closed before anyone clones it: PostgreSQL copies only a
// database nobody is connected to.
func fill(name string, f func(context.Context, *db.DB) error) error {
	ctx := context.Background()
	super, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
	if err != nil {
		return err
	}
	defer super.Close()
	if _, err := super.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %s OWNER %s`, name, template, devenv.OwnerRole)); err != nil {
		return fmt.Errorf("create: %w", err)
	}
	d, err := db.OpenPools(ctx, cluster.AppURL(name), cluster.SystemURL(name))
	if err != nil {
		return err
	}
	err = f(ctx, d)
	d.Close()
	return err
}

// start checks that Main runs the package and boots the cluster.
func start(t testing.TB) {
	t.Helper()
	if !mainRan.Load() {
		t.Fatal("dbtest: call dbtest.Main (or Run) from TestMain")
	}
	if err := startCluster(); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
}

// clone creates t's database as a copy of the template from and drops it
// when t ends. strategy is appended to CREATE DATABASE: a large seeded
// template copies faster file by file (FILE_COPY) than through the WAL.
func clone(t testing.TB, from, strategy string) *Env {
	t.Helper()
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%s", counter.Add(1), sanitize(t.Name()))
	super, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	if _, err := super.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %q TEMPLATE %q OWNER %s%s`, name, from, devenv.OwnerRole, strategy)); err != nil {
		t.Fatalf("dbtest: clone: %v", err)
	}
	env := &Env{Name: name, AppURL: cluster.AppURL(name), SystemURL: cluster.SystemURL(name),
		AdminURL: cluster.AdminURL(name), SuperURL: cluster.SuperURL(name)}
	env.DB, err = db.OpenPools(ctx, env.AppURL, env.SystemURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		env.DB.Close()
		s, err := sqlx.Open("postgres", cluster.SuperURL("postgres"))
		if err == nil {
			_, _ = s.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %q WITH (FORCE)`, name))
			s.Close()
		}
	})
	return env
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// Search is a test's own index on the package's Meilisearch engine.
type Search struct {
	URL   string
	Key   string // the master key
	Index string // unique to the test
}

// Meilisearch starts the package's engine on first use (one per test
// package, like the database cluster) and names an index unique to t. Where
// no engine binary can be found the test fails under CI=true and is skipped
// elsewhere with the command that installs it.
func Meilisearch(t testing.TB) Search {
	t.Helper()
	engineOnce.Do(func() {
		engineDir, engineErr = os.MkdirTemp(scratch(), "taiwa-meili-")
		if engineErr == nil {
			engine, engineErr = devenv.StartMeilisearch(context.Background(), engineDir, devenv.MeilisearchOptions{})
		}
	})
	if engineErr != nil {
		if os.Getenv("CI") == "" && errors.Is(engineErr, devenv.ErrNoMeilisearch) {
			t.Skip("dbtest:", engineErr)
		}
		t.Fatalf("dbtest: a real Meilisearch is needed: %v", engineErr)
	}
	return Search{URL: engine.URL, Key: engine.MasterKey, Index: fmt.Sprintf("t%d_%s", counter.Add(1), sanitize(t.Name()))}
}

func stopEngine() {
	if engine != nil {
		_ = engine.Stop()
	}
	if engineDir != "" {
		_ = os.RemoveAll(engineDir)
	}
}

var (
	binaryOnce sync.Once
	binaryPath string
	binaryErr  error
)

// BinaryEnv names a prebuilt taiwa binary for the tests that run the real
// command (kill tests, `taiwa dev`); `make test` builds it once for every
// package. Without it, the first such test of a package builds it.
const BinaryEnv = "TAIWA_TEST_BINARY"

// Binary is the path of the taiwa command for tests that run it as a
// subprocess: $TAIWA_TEST_BINARY, or one build per test binary, shared by
// its tests and removed when Main ends.
func Binary(t testing.TB) string {
	t.Helper()
	binaryOnce.Do(func() {
		if p := os.Getenv(BinaryEnv); p != "" {
			if _, binaryErr = os.Stat(p); binaryErr == nil {
				binaryPath = p
			}
			return
		}
		var dir string
		if dir, binaryErr = os.MkdirTemp("", "taiwa-bin-"); binaryErr != nil {
			return
		}
		binaryDir = dir
		binaryPath = filepath.Join(dir, "taiwa")
		if out, err := exec.Command("go", "build", "-o", binaryPath, "github.com/taiwa/taiwa/cmd/taiwa").CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatalf("dbtest: the taiwa binary: %v", binaryErr)
	}
	return binaryPath
}

var binaryDir string

func removeBinary() {
	if binaryDir != "" {
		_ = os.RemoveAll(binaryDir)
	}
}
