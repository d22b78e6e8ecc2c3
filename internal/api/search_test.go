package api_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/devenv"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// searchAnswer is GET /api/v1/counselors's answer, as a client reads it.
type searchAnswer struct {
	Items []struct {
		ID          string   `json:"id"`
		DisplayName string   `json:"display_name"`
		Themes      []string `json:"themes"`
		Credentials []struct {
			Kind     string `json:"kind"`
			Verified bool   `json:"verified"`
		} `json:"credentials"`
	} `json:"items"`
	Total   int                       `json:"total"`
	Page    int                       `json:"page"`
	PerPage int                       `json:"per_page"`
	Facets  map[string]map[string]int `json:"facets"`
	Engine  string                    `json:"engine"`
}

func searchAPI(t *testing.T, c *apptest.Client, query string) searchAnswer {
	t.Helper()
	var a searchAnswer
	if st := c.Do("GET", "/api/v1/counselors?"+query, nil, &a); st != http.StatusOK {
		t.Fatalf("GET /api/v1/counselors?%s: %d", query, st)
	}
	return a
}

func readyz(t *testing.T, h *apptest.Harness) map[string]string {
	t.Helper()
	var deps map[string]string
	if st := h.Anonymous().Do("GET", "/readyz", nil, &deps); st != http.StatusOK {
		t.Fatalf("readyz: %d", st)
	}
	return deps
}

// demoHarness is a server with the demo data, indexed.
func demoHarness(t *testing.T, opts ...apptest.Options) (*apptest.Harness, *apptest.Client) {
	t.Helper()
	h := apptest.New(t, append(opts, apptest.Options{Seed: &apptest.Demo})...)
	if _, err := h.App.Counselors.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return h, h.Login("emp0001@sample-shoji.example", demo.Password)
}

func TestSearchAnswersFromMeilisearchWithAPIShape(t *testing.T) {
	t.Parallel()
	h, emp := demoHarness(t, apptest.Options{Search: true})
	a := searchAPI(t, emp, "")
	if a.Engine != "meilisearch" || a.Total != demo.DemoCounselors || len(a.Items) != 20 || a.Page != 1 || a.PerPage != 20 {
		t.Fatalf("browse: engine %s total %d items %d page %d/%d", a.Engine, a.Total, len(a.Items), a.Page, a.PerPage)
	}
	for _, f := range []string{"theme", "credential", "industry", "job_function", "language", "gender", "age_band", "format"} {
		if len(a.Facets[f]) == 0 {
			t.Errorf("facet %s missing: %v", f, a.Facets)
		}
	}
	if a.Facets["theme"]["career"] == 0 || a.Facets["credential"]["career_consultant"] == 0 {
		t.Errorf("facet counts: %v", a.Facets)
	}

	career := searchAPI(t, emp, "theme=career&theme=harassment&per_page=100")
	if th := career.Facets["theme"]; career.Total == 0 || career.Total < th["career"] || career.Total < th["harassment"] || career.Total > th["career"]+th["harassment"] {
		t.Errorf("career or harassment: total %d, facets %v", career.Total, career.Facets["theme"])
	}
	for _, it := range career.Items {
		if !contains(it.Themes, "career") && !contains(it.Themes, "harassment") {
			t.Errorf("%s offers neither career nor harassment: %v", it.DisplayName, it.Themes)
		}
	}
	comma := searchAPI(t, emp, "theme=career,harassment&per_page=100&unknown_parameter=ignored")
	if comma.Total != career.Total {
		t.Errorf("comma list %d, repeated parameter %d", comma.Total, career.Total)
	}

	one := a.Items[0]
	var l struct {
		ID          string `json:"id"`
		DisplayName string `json:"display_name"`
		Credentials []struct {
			Kind     string `json:"kind"`
			Verified bool   `json:"verified"`
		} `json:"credentials"`
	}
	if st := emp.Do("GET", "/api/v1/counselors/"+one.ID, nil, &l); st != 200 || l.ID != one.ID || l.DisplayName != one.DisplayName ||
		len(l.Credentials) == 0 || !l.Credentials[0].Verified {
		t.Fatalf("one counsellor: %d %+v", st, l)
	}
	if deps := readyz(t, h); deps["search"] != "ok" || deps["postgres"] != "ok" {
		t.Fatalf("readyz with a live engine: %v", deps)
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestOnlyListedCounsellorsCanBeRead(t *testing.T) {
	t.Parallel()
	h, emp := demoHarness(t)
	var pending string
	if err := ownerDB(t, h).Get(&pending, `SELECT c.id FROM counselors c JOIN users u ON u.id = c.user_id WHERE u.email = 'pending01@taiwa.example'`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/counselors/" + pending, "/api/v1/counselors/00000000-0000-0000-0000-000000000000", "/api/v1/counselors/not-an-id"} {
		if r := emp.Raw("GET", path, "", nil); r.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d %s", path, r.Status, r.Body)
		}
	}
	if r := h.Anonymous().Raw("GET", "/api/v1/counselors", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous search: %d", r.Status)
	}
	if deps := readyz(t, h); deps["search"] != "degraded" {
		t.Errorf("readyz without an engine: %v", deps)
	}
	if a := searchAPI(t, emp, "q=pending"); a.Engine != "postgres" {
		t.Errorf("without an engine: %s", a.Engine)
	}
}

func TestCounsellorOnboardedThroughTheAPIBecomesFindable(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Search: true})
	op := h.Operator()
	emp := employeeClient(t, h, op)
	cc, c := counsellorClient(t, h, op, "findme@counsel.example")
	cr := submitCredential(t, cc, "career_consultant", "16055555", "")
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/credentials/"+cr.ID+"/verify", nil, nil); st != 200 {
		t.Fatalf("verify credential: %d", st)
	}
	if st := cc.Do("PUT", "/api/v1/me/profile", profileBody("career", "onboarding"), nil); st != 200 {
		t.Fatalf("profile: %d", st)
	}
	h.DrainOutbox()
	if a := searchAPI(t, emp, "q=やまだ"); a.Total != 0 {
		t.Fatalf("a pending counsellor is findable: %+v", a)
	}
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/verify", nil, nil); st != 200 {
		t.Fatalf("verify counsellor: %d", st)
	}
	h.DrainOutbox()
	for _, q := range []string{"q=やまだ", "q=キャリコン", "theme=onboarding"} {
		a := searchAPI(t, emp, q)
		if a.Engine != "meilisearch" || a.Total != 1 || a.Items[0].ID != c.ID {
			t.Errorf("%s after verification: %+v", q, a)
		}
	}
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/suspend", map[string]string{"reason": "テスト"}, nil); st != 200 {
		t.Fatalf("suspend: %d", st)
	}
	h.DrainOutbox()
	if a := searchAPI(t, emp, "q=やまだ"); a.Total != 0 {
		t.Fatalf("a suspended counsellor is findable: %+v", a)
	}
}

func TestSearchRefusesBadInputWithA400NamingTheParameter(t *testing.T) {
	t.Parallel()
	h, emp := demoHarness(t)
	for _, tc := range []struct{ query, field string }{
		{"theme=cooking", "theme"},
		{"theme=career,cooking", "theme"},
		{"credential=wizard", "credential"},
		{"industry=space", "industry"},
		{"job_function=ninja", "job_function"},
		{"language=xx", "language"},
		{"gender=x", "gender"},
		{"age_band=10s", "age_band"},
		{"format=telepathy", "format"},
		{"per_page=101", "per_page"},
		{"per_page=0", "per_page"},
		{"per_page=ten", "per_page"},
		{"page=0", "page"},
		{"page=-1", "page"},
		{"page=1001", "page"},
		{"q=" + strings.Repeat("あ", 201), "q"},
		{"q=%FF%FE", "q"},
		{"q=a%00b", "q"},
		{"q=a%0Ab", "q"},
		{"available_within_days=abc", "available_within_days"},
		{"available_within_days=0", "available_within_days"},
		{"available_within_days=91", "available_within_days"},
		{"sort=cheapest", "sort"},
	} {
		r := emp.Raw("GET", "/api/v1/counselors?"+tc.query, "", nil)
		e := apiError(t, r)
		if r.Status != http.StatusBadRequest || e.Error.Code != "invalid_input" || e.Error.Fields[tc.field] == "" {
			t.Errorf("%.60s: %d %s", tc.query, r.Status, r.Body)
		}
	}
	// Odd but valid input is answered, never with a 500.
	for _, q := range []string{"q=" + strings.Repeat("あ", 200), "q=%25_%5C", "q=%22%27%3B--", "q=+++", "page=1000&per_page=100",
		"available_within_days=90&sort=soonest", "q=\u3000メンタル\u3000", "theme=&theme=", "q=" + url.QueryEscape(`title = "x" OR 1`)} {
		if r := emp.Raw("GET", "/api/v1/counselors?"+q, "", nil); r.Status != http.StatusOK {
			t.Errorf("%.60s: %d %s", q, r.Status, r.Body)
		}
	}
	if deps := readyz(t, h); deps["postgres"] != "ok" {
		t.Fatalf("readyz after bad input: %v", deps)
	}
}

// TestSearchSurvivesTheEngineStoppingAndRecoversByItself runs its own
// engine, stops it while the server runs, keeps searching (PostgreSQL
// answers, readyz says degraded), starts it again on the same address and
// sees the server return to it without any help.
func TestSearchSurvivesTheEngineStoppingAndRecoversByItself(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	engine, err := devenv.StartMeilisearch(ctx, dir, devenv.MeilisearchOptions{})
	if err != nil {
		if os.Getenv("CI") == "" && errors.Is(err, devenv.ErrNoMeilisearch) {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = engine.Stop() })
	// The server's clock is moved by hand: past the engine's DownFor pause
	// and readyz's one-second health cache, instead of sleeping through
	// them.
	now := clock.NewManual(time.Now())
	h, emp := demoHarness(t, apptest.Options{Clock: now.Clock(), Configure: func(c *config.Config) {
		c.MeiliURL, c.MeiliKey, c.MeiliIndex = engine.URL, engine.MasterKey, "counselors"
	}})
	if a := searchAPI(t, emp, "theme=career"); a.Engine != "meilisearch" || a.Total == 0 {
		t.Fatalf("before the stop: %s %d", a.Engine, a.Total)
	}
	want := searchAPI(t, emp, "theme=career").Total
	if deps := readyz(t, h); deps["search"] != "ok" {
		t.Fatalf("readyz before the stop: %v", deps)
	}

	if err := engine.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 20 {
		a := searchAPI(t, emp, "theme=career")
		if a.Engine != "postgres" || a.Total != want {
			t.Fatalf("search %d with the engine stopped: %s %d, want postgres %d", i, a.Engine, a.Total, want)
		}
	}
	t.Logf("20 searches with the engine down took %s", time.Since(start))
	now.Advance(time.Second) // readyz asks the engine at most once a second
	if deps := readyz(t, h); deps["search"] != "degraded" || deps["postgres"] != "ok" {
		t.Fatalf("readyz with the engine stopped: %v", deps)
	}

	restartOnSameAddress(t, engine)
	var last searchAnswer
	wait.Until(wait.Context(t, 0), t, "search to return to Meilisearch after its restart", func() bool {
		now.Advance(meili.DownFor) // past the pause after the last failure
		last = searchAPI(t, emp, "theme=career")
		return last.Engine == "meilisearch"
	})
	if last.Total != want {
		t.Fatalf("after recovery: %d, want %d", last.Total, want)
	}
	now.Advance(time.Second)
	if deps := readyz(t, h); deps["search"] != "ok" {
		t.Fatalf("readyz after the restart: %v", deps)
	}
}

// restartOnSameAddress starts the engine binary again on the stopped
// engine's data, key and address, as a supervisor would.
func restartOnSameAddress(t *testing.T, m *devenv.Meilisearch) {
	t.Helper()
	bin, err := devenv.FindMeilisearch()
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(m.URL)
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.Create(filepath.Join(m.Dir, "restart.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--db-path", filepath.Join(m.Dir, "data.ms"), "--http-addr", u.Host,
		"--env", "development", "--no-analytics", "--log-level", "WARN", "--max-indexing-threads", "2")
	cmd.Dir = m.Dir
	cmd.Env = append(os.Environ(), "MEILI_MASTER_KEY="+m.MasterKey)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_, _ = cmd.Process.Wait()
		log.Close()
	})
	wait.Until(wait.Context(t, 0), t, "the restarted engine to answer /health", func() bool {
		resp, err := http.Get(m.URL + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}
