package api_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
)

// benchCounselors is the size of the search benchmarks' marketplace.
const benchCounselors = 10_000

// benchQueries are typical searches: browsing, filters, words, sorts.
var benchQueries = []string{
	"",
	"theme=career",
	"theme=mental_health&format=video&sort=rating",
	"credential=certified_public_psychologist,clinical_psychologist&language=en",
	"industry=it&job_function=engineering&sort=soonest",
	"available_within_days=7&theme=return_to_work",
	"gender=female&age_band=40s,50s&sort=experience",
	"q=キャリア",
	"q=メンタルヘルス&theme=high_stress_followup",
	"q=産業医 復職",
	"q=ハラスメント&format=in_person",
	"q=psychologist&sort=rating&page=3",
}

// BenchmarkSearch measures counsellor search over 10,000 listed
// counsellors side by side: a full reindex; GET /api/v1/counselors over
// HTTP with a bearer token; the same queries straight to Meilisearch
// through meili.Index, with NewHTTPClient and with a plain http.Client (the
// Nagle/delayed-ACK stall NewHTTPClient removes); and the PostgreSQL
// fallback. Latencies are reported as p50-ms and p95-ms over every query;
// the outbox worker runs, as in production, and the API's median over the
// direct one's is logged, with the engine's resident memory.
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	h := apptest.New(b, apptest.Options{Search: true, Configure: workerOn})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	started := time.Now()
	if err := demo.SeedScaleWith(ctx, h.Env.DB, demo.ScaleOptions{Employees: 200, Counselors: benchCounselors}, log); err != nil {
		b.Fatal(err)
	}
	err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE counselors SET
			rating_avg = CASE WHEN get_byte(uuid_send(id), 0) % 4 = 0 THEN NULL ELSE 3 + (get_byte(uuid_send(id), 1) % 5) * 0.5 END,
			rating_count = get_byte(uuid_send(id), 2) % 40,
			next_available_at = CASE WHEN get_byte(uuid_send(id), 3) % 3 = 0 THEN NULL
			                         ELSE date_trunc('hour', now()) + (get_byte(uuid_send(id), 4) % 60) * interval '1 day' END`)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d counsellors in %s", benchCounselors, time.Since(started).Round(time.Millisecond))
	svc := h.App.Counselors
	if _, err := svc.Reindex(ctx); err != nil {
		b.Fatal(err)
	}
	parsed := make([]counselor.SearchQuery, len(benchQueries))
	for i, raw := range benchQueries {
		v, _ := url.ParseQuery(raw)
		q, err := counselor.ParseSearchQuery(v)
		if err != nil {
			b.Fatal(err)
		}
		// The engine is sent what Search sends: everyday words read as filters.
		if q.Q, q.Understood, err = counselor.Understand(q.Q); err != nil {
			b.Fatal(err)
		}
		parsed[i] = q
	}

	b.Run("reindex", func(b *testing.B) {
		var docs int
		for b.Loop() {
			st, err := svc.Reindex(ctx)
			if err != nil {
				b.Fatal(err)
			}
			docs = st.Documents
		}
		b.ReportMetric(float64(docs), "docs")
		b.ReportMetric(float64(docs)/(b.Elapsed().Seconds()/float64(b.N)), "docs/s")
	})

	client := h.Login("scale000001@scale.example", demo.Password)
	encoded := make([]string, len(benchQueries))
	for i, raw := range benchQueries {
		v, _ := url.ParseQuery(raw)
		encoded[i] = v.Encode()
	}
	var apiP50, directP50 float64
	b.Run("api", func(b *testing.B) {
		apiP50 = latencies(b, func(i int) {
			r := client.Raw(http.MethodGet, "/api/v1/counselors?"+encoded[i], "", nil)
			if r.Status != http.StatusOK || !bytes.Contains(r.Body, []byte(`"engine":"meilisearch"`)) {
				b.Fatalf("%s: %d %.200s", benchQueries[i], r.Status, r.Body)
			}
		})
	})

	direct := func(ix *meili.Index) func(i int) {
		return func(i int) {
			if _, err := ix.Search(ctx, counselor.EngineQuery(parsed[i], time.Now())); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("meili-direct", func(b *testing.B) { directP50 = latencies(b, direct(h.App.Search)) })
	b.Logf("api p50 / meili-direct p50 = %.2f; Meilisearch RSS %d MiB", apiP50/directP50, engineRSS(h.App.Search.URL)>>20)
	plain := meili.NewWithClients(h.App.Search.URL, h.App.Config.MeiliKey, h.App.Search.Name,
		&http.Client{Timeout: 5 * time.Second}, &http.Client{Timeout: 5 * time.Second})
	b.Run("meili-direct-plain-http", func(b *testing.B) { latencies(b, direct(plain)) })

	// The fair comparison: the same query through the API (a plain HTTP
	// client, not the harness's, which validates every answer against
	// openapi.json) and straight to Meilisearch (meiliAnchor: a client of
	// its own decoding with encoding/json), alternating request by
	// request, so whatever else runs on the machine weighs on both alike.
	b.Run("api-vs-direct", func(b *testing.B) {
		c := benchClient()
		anchor := meiliAnchor(b, h.App.Search, h.App.Config.MeiliKey)
		for i := range benchQueries { // warm connections and caches
			hit(b, c, h.URL+"/api/v1/counselors?"+encoded[i], client.Token)
			anchor(ctx, counselor.EngineQuery(parsed[i], time.Now()))
		}
		var api, dir []time.Duration
		for b.Loop() {
			for range 5 {
				for i := range benchQueries {
					t := time.Now()
					hit(b, c, h.URL+"/api/v1/counselors?"+encoded[i], client.Token)
					api = append(api, time.Since(t))
					t = time.Now()
					anchor(ctx, counselor.EngineQuery(parsed[i], time.Now()))
					dir = append(dir, time.Since(t))
				}
			}
		}
		slices.Sort(api)
		slices.Sort(dir)
		b.ReportMetric(ms(api[len(api)/2]), "api-p50-ms")
		b.ReportMetric(ms(dir[len(dir)/2]), "direct-p50-ms")
		b.ReportMetric(float64(api[len(api)/2])/float64(dir[len(dir)/2]), "api/direct")
		b.ReportMetric(0, "ns/op")
	})

	fallback := &counselor.Service{DB: svc.DB}
	employee := auth.Principal{Role: auth.RoleEmployee}
	b.Run("postgres-fallback", func(b *testing.B) {
		latencies(b, func(i int) {
			res, err := fallback.Search(ctx, employee, parsed[i])
			if err != nil || res.Engine != counselor.EnginePostgres {
				b.Fatalf("%s: %v", benchQueries[i], err)
			}
		})
	})
}

// latencies runs every benchmark query per iteration, five rounds each,
// and reports the median and 95th percentile of single requests; it
// returns the median in milliseconds.
func latencies(b *testing.B, run func(i int)) float64 {
	b.Helper()
	for i := range benchQueries { // warm connections and caches
		run(i)
	}
	var ds []time.Duration
	for b.Loop() {
		for range 5 {
			for i := range benchQueries {
				t := time.Now()
				run(i)
				ds = append(ds, time.Since(t))
			}
		}
	}
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(len(ds)), "requests")
	return pct(0.50)
}
