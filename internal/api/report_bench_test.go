package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
)

// BenchmarkReportRead measures what HR gets: a 24-month report by
// department over HTTP, the outbox worker running, against two anchors in
// the same run — a trivial handler (/healthz) and GET /api/v1/me (sign-in
// check plus one transaction). It also times each of the demo's releases.
func BenchmarkReportRead(b *testing.B) {
	ctx := context.Background()
	h := apptest.New(b, apptest.Options{Configure: func(c *config.Config) { c.RunWorker = true }})
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	var cid uuid.UUID
	if err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &cid, `SELECT id FROM companies WHERE name = 'サンプル商事'`)
	}); err != nil {
		b.Fatal(err)
	}
	svc := h.App.Reports
	svc.Limit = 1 << 30
	last := report.LastClosed(time.Now())
	var took []time.Duration
	for m := last - 23; m <= last-demo.ReleasedMonths; m++ { // the 12 months before the demo's
		t0 := time.Now()
		if _, _, err := svc.Release(ctx, cid, m); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	b.Logf("one demo-size release (サンプル商事, 12 months): p50 %s, max %s", took[len(took)/2], took[len(took)-1])
	hr := h.Login("hr@sample-shoji.example", demo.Password)
	path := "/api/v1/companies/" + cid.String() + "/reports?from=" + (last - 23).String() + "&to=" + last.String() + "&by=department"
	get := func(p string) func() {
		return func() {
			if r := hr.Raw(http.MethodGet, p, "", nil); r.Status != http.StatusOK {
				b.Fatalf("%s: %d %.200s", p, r.Status, r.Body)
			}
		}
	}
	for _, c := range []struct {
		name string
		run  func()
	}{
		{"anchor-healthz", get("/healthz")},
		{"anchor-me", get("/api/v1/me")},
		{"report-24-months-by-department", get(path)},
		{"report-24-months-department-x-month", get(path + ",month")},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.run() // warm
			var lat []time.Duration
			for b.Loop() {
				t0 := time.Now()
				c.run()
				lat = append(lat, time.Since(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
