package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
)

// The read-path benchmarks (issue 17): everything goes through HTTP to a
// running server with its outbox worker on, and each figure has an anchor
// measured in the same run, reported as a ratio.

// benchClient is a plain HTTP client with enough idle connections for the
// concurrency used here (the harness's client also checks every answer
// against openapi.json, which would be measured too).
func benchClient() *http.Client {
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}}
}

// hit sends one GET and fails b unless it answers 200.
func hit(b *testing.B, c *http.Client, url, token string) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	r, err := c.Do(req)
	if err != nil {
		b.Error(err)
		return
	}
	_, _ = io.Copy(io.Discard, r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		b.Errorf("GET %s: %d", url, r.StatusCode)
	}
}

// burst sends n requests from conc goroutines and returns the wall time.
func burst(b *testing.B, c *http.Client, url, token string, n, conc int) time.Duration {
	var next sync.WaitGroup
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	t0 := time.Now()
	for range conc {
		next.Go(func() {
			for range jobs {
				hit(b, c, url, token)
			}
		})
	}
	next.Wait()
	return time.Since(t0)
}

// sortedLatencies sends n requests one after another and returns them sorted.
func sortedLatencies(n int, one func()) []time.Duration {
	lat := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		one()
		lat = append(lat, time.Since(t0))
	}
	slices.Sort(lat)
	return lat
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pgCPU is the CPU time (user + system) spent so far by the PostgreSQL
// cluster behind d, read from /proc (the cluster runs on this machine):
// the postmaster's own time, the time of its children that ended (which it
// has reaped) and that of its live children. ok is false where /proc
// cannot be read.
func pgCPU(ctx context.Context, d *db.DB) (cpu time.Duration, ok bool) {
	var backend int
	if err := d.GetContext(ctx, &backend, `SELECT pg_backend_pid()`); err != nil {
		return 0, false
	}
	self, ok := procStat(backend)
	if !ok {
		return 0, false
	}
	postmaster, ok := procStat(self.ppid)
	if !ok {
		return 0, false
	}
	cpu = postmaster.cpu + postmaster.children
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := procStat(pid); ok && st.ppid == self.ppid {
			cpu += st.cpu
		}
	}
	return cpu, true
}

// stat is what pgCPU reads of /proc/<pid>/stat.
type stat struct {
	ppid     int
	cpu      time.Duration // utime + stime
	children time.Duration // cutime + cstime: reaped children
}

func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return stat{}, false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	if len(f) < 15 {
		return stat{}, false
	}
	n := func(i int) int { v, _ := strconv.Atoi(f[i]); return v }
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return stat{ppid: n(1), cpu: time.Duration(n(11)+n(12)) * tick, children: time.Duration(n(13)+n(14)) * tick}, true
}

// anchorServer is echo with one route that runs one trivial transaction
// (scope, SELECT 1, commit) on the same database: the floor an
// authenticated request is compared with.
func anchorServer(b *testing.B, d *db.DB) string {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/tx", func(c echo.Context) error {
		var one int
		err := d.InTx(c.Request().Context(), db.System, func(tx *sqlx.Tx) error {
			return tx.GetContext(c.Request().Context(), &one, `SELECT 1`)
		})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]int{"one": one})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: e}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/tx"
}

// BenchmarkMeThroughput is GET /api/v1/me at concurrency 32 against echo
// with one trivial transaction on the same database, both through HTTP
// with the outbox worker running; one iteration is a burst of 2,000
// requests to each. It reports requests per second, their ratio, and the
// PostgreSQL cluster's CPU per request (from /proc).
func BenchmarkMeThroughput(b *testing.B) {
	ctx := context.Background()
	h := apptest.New(b, apptest.Options{Configure: workerOn})
	op := h.Operator()
	anchor := anchorServer(b, h.App.DB)
	c := benchClient()
	const n, conc = 2000, 32
	burst(b, c, anchor, "", 200, conc) // warm both pools
	burst(b, c, h.URL+"/api/v1/me", op.Token, 200, conc)
	var anchorTook, meTook, anchorCPU, meCPU time.Duration
	for b.Loop() {
		c0, _ := pgCPU(ctx, h.Env.DB)
		anchorTook += burst(b, c, anchor, "", n, conc)
		c1, _ := pgCPU(ctx, h.Env.DB)
		meTook += burst(b, c, h.URL+"/api/v1/me", op.Token, n, conc)
		c2, ok := pgCPU(ctx, h.Env.DB)
		if ok {
			anchorCPU += c1 - c0
			meCPU += c2 - c1
		}
	}
	reqs := float64(n * b.N)
	b.ReportMetric(reqs/anchorTook.Seconds(), "anchor-req/s")
	b.ReportMetric(reqs/meTook.Seconds(), "me-req/s")
	b.ReportMetric(anchorTook.Seconds()/meTook.Seconds(), "me/anchor")
	b.ReportMetric(float64(anchorCPU.Microseconds())/reqs, "anchor-pg-cpu-µs/req")
	b.ReportMetric(float64(meCPU.Microseconds())/reqs, "me-pg-cpu-µs/req")
	b.ReportMetric(0, "ns/op")
}

// workerOn runs the server as in production: the outbox worker inside
// it, and TAIWA_HTTP_GZIP at its default (auto: no gzip for a client on
// loopback, which the benchmark's client is; the harness turns it on for
// tests).
func workerOn(c *config.Config) { c.RunWorker, c.HTTPGzip = true, "auto" }

// BenchmarkReadPathsDemo measures the read paths of issue 17 through HTTP
// on the demo marketplace (200 counsellors, their schedules and bookings,
// employees with fit answers), with the outbox worker running and a real
// Meilisearch, each against its anchor in the same run: free slots (one
// counsellor, 14 days) against /api/v1/me, a search against the same query
// sent straight to Meilisearch, and recommendations. One iteration is 50
// requests of each path, alternating with its anchor; p50 over all of them.
func BenchmarkReadPathsDemo(b *testing.B) {
	ctx := context.Background()
	h := apptest.New(b, apptest.Options{Search: true, Configure: workerOn})
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	if _, err := h.App.Counselors.Reindex(ctx); err != nil {
		b.Fatal(err)
	}
	var cid uuid.UUID
	if err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &cid, `SELECT c.id FROM counselors c JOIN users u ON u.id = c.user_id WHERE u.email = 'counselor001@taiwa.example'`)
	}); err != nil {
		b.Fatal(err)
	}
	emp := h.Login("emp0002@sample-shoji.example", demo.Password)
	c := benchClient()
	from := time.Now().UTC().Truncate(time.Hour)
	slotsURL := h.URL + "/api/v1/counselors/" + cid.String() + "/slots?from=" + from.Format(time.RFC3339) + "&to=" + from.Add(14*24*time.Hour).Format(time.RFC3339)
	const words = "q=キャリア&theme=career"
	v, _ := url.ParseQuery(words)
	sq, err := counselor.ParseSearchQuery(v)
	if err != nil {
		b.Fatal(err)
	}
	anchor := meiliAnchor(b, h.App.Search, h.App.Config.MeiliKey)
	paths := []struct {
		name string
		one  func()
	}{
		{"me", func() { hit(b, c, h.URL+"/api/v1/me", emp.Token) }},
		{"slots-14-days", func() { hit(b, c, slotsURL, emp.Token) }},
		{"search", func() { hit(b, c, h.URL+"/api/v1/counselors?"+v.Encode(), emp.Token) }},
		{"meili-direct", func() { anchor(ctx, counselor.EngineQuery(sq, time.Now())) }},
		{"recommendations", func() { hit(b, c, h.URL+"/api/v1/me/recommendations", emp.Token) }},
	}
	lat := make([][]time.Duration, len(paths))
	for i := range paths { // warm connections, caches and prepared statements
		sortedLatencies(20, paths[i].one)
	}
	// Each figure and its anchor alternate request by request (slots with
	// /me, the search with the engine's query), so whatever else runs on
	// the machine weighs on both alike; recommendations, which allocate
	// most, run on their own.
	groups := [][]int{{0, 1}, {2, 3}, {4}}
	for b.Loop() {
		for _, g := range groups {
			for range 50 {
				for _, i := range g {
					t0 := time.Now()
					paths[i].one()
					lat[i] = append(lat[i], time.Since(t0))
				}
			}
		}
	}
	p50 := make(map[string]time.Duration, len(paths))
	for i, p := range paths {
		slices.Sort(lat[i])
		p50[p.name] = lat[i][len(lat[i])/2]
		b.ReportMetric(ms(p50[p.name]), p.name+"-p50-ms")
	}
	b.ReportMetric(ms(p50["slots-14-days"]-p50["me"]), "slots-minus-me-ms")
	b.ReportMetric(float64(p50["search"])/float64(p50["meili-direct"]), "search/meili")
	b.ReportMetric(float64(engineRSS(h.App.Search.URL))/(1<<20), "meili-rss-MiB")
	b.ReportMetric(0, "ns/op")
}

// meiliAnchor is the anchor of the search figures: the query the API
// sends, posted straight to the engine behind ix with a client of its own
// (the transport the server uses, meili.NewHTTPClient, so both pay the same
// connection costs) and decoded by encoding/json into raw hits, the total
// and the facets, as meili.Index.Search did when the figures were first
// taken. It stays so when the server's own client gets faster: the anchor
// is the engine's answer, not our code.
func meiliAnchor(b *testing.B, ix *meili.Index, key string) func(context.Context, meili.Query) {
	c := meili.NewHTTPClient(meili.SearchTimeout, meili.Gzip(ix.URL, "auto"))
	endpoint := ix.URL + "/indexes/" + url.PathEscape(ix.Name) + "/search"
	return func(ctx context.Context, q meili.Query) {
		body, err := meili.SearchBody(q)
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		r, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer r.Body.Close()
		var out struct {
			Hits      []json.RawMessage         `json:"hits"`
			TotalHits int                       `json:"totalHits"`
			Facets    map[string]map[string]int `json:"facetDistribution"`
		}
		if err := json.NewDecoder(r.Body).Decode(&out); err != nil || r.StatusCode != http.StatusOK {
			b.Fatalf("meili: %d %v", r.StatusCode, err)
		}
	}
}

// engineRSS is the resident memory of the Meilisearch serving url (the
// process whose command line names its address), from /proc; 0 if none.
func engineRSS(rawURL string) int64 {
	u, err := url.Parse(rawURL)
	if err != nil {
		return 0
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || !strings.Contains(string(cmd), "meilisearch") || !strings.Contains(string(cmd), "\x00"+u.Host+"\x00") {
			continue
		}
		st, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			return 0
		}
		for line := range strings.SplitSeq(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}
