package api_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// BenchmarkRecommendHTTP is GET /api/v1/me/recommendations through HTTP,
// with the outbox worker and the exposure flush running, over a
// marketplace grown from 200 to 2,000 to 10,000 listed counsellors (every
// one with fit answers, a rating, a free slot and weekly hours, as in
// matching's BenchmarkRecommend). At each size it reports the p50 and p95
// of requests sent one after another, GET /api/v1/me's p50 in the same
// run as the anchor, and the cost per request: the server process's CPU
// (getrusage, the worker's included) and the PostgreSQL cluster's (from
// /proc). The employee's profile sets no hard preference, the largest
// candidate set.
func BenchmarkRecommendHTTP(b *testing.B) {
	ctx := context.Background()
	h := apptest.New(b, apptest.Options{Configure: workerOn})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	owner, err := sqlx.Open("postgres", h.Env.AdminURL)
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close()
	c := benchClient()
	var emp *apptest.Client
	for _, size := range []int{200, 2_000, 10_000} {
		if err := demo.SeedScaleWith(ctx, h.Env.DB, demo.ScaleOptions{Employees: 20, Counselors: size}, log); err != nil {
			b.Fatal(err)
		}
		var p auth.Principal
		err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			if _, err := tx.Exec(`UPDATE counselors SET
				rating_avg = CASE WHEN get_byte(uuid_send(id), 0) % 4 = 0 THEN NULL ELSE 3 + (get_byte(uuid_send(id), 1) % 5) * 0.5 END,
				rating_count = get_byte(uuid_send(id), 2) % 40,
				next_available_at = date_trunc('hour', now()) + (1 + get_byte(uuid_send(id), 4) % 300) * interval '1 hour'
				WHERE NOT EXISTS (SELECT 1 FROM counselor_fit_profiles f WHERE f.counselor_id = counselors.id)`); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO availability_weekly (counselor_id, weekday, start_time, end_time)
				SELECT id, d, CASE WHEN get_byte(uuid_send(id), 5) % 2 = 0 THEN '09:00'::time ELSE '13:00'::time END,
				       CASE WHEN get_byte(uuid_send(id), 6) % 2 = 0 THEN '17:00'::time ELSE '21:00'::time END
				FROM counselors c, generate_series(1, 5) d
				WHERE NOT EXISTS (SELECT 1 FROM counselor_fit_profiles f WHERE f.counselor_id = c.id)
				  AND NOT EXISTS (SELECT 1 FROM availability_weekly w WHERE w.counselor_id = c.id)`); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO counselor_fit_profiles (counselor_id, user_id, value_answers, style_answers)
				SELECT id, user_id,
				       ARRAY(SELECT 1 + (get_byte(uuid_send(c.id), k) % 5) FROM generate_series(0, 9) k)::smallint[],
				       ARRAY(SELECT 1 + (get_byte(uuid_send(c.id), k) % 5) FROM generate_series(10, 12) k)::smallint[]
				FROM counselors c ON CONFLICT DO NOTHING`); err != nil {
				return err
			}
			p.Role = auth.RoleEmployee
			return tx.QueryRow(`SELECT id, company_id FROM users WHERE email = 'scale000001@scale.example'`).Scan(&p.UserID, &p.CompanyID)
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := h.App.Counselors.Reindex(ctx); err != nil {
			b.Fatal(err)
		}
		// Seeding rewrites each counselor_match row a dozen times; a live
		// table of stable size reuses that space (see BenchmarkRecommend).
		if _, err := owner.Exec(`VACUUM FULL counselor_match`); err != nil {
			b.Fatal(err)
		}
		if _, err := owner.Exec(`ANALYZE`); err != nil { // production tables have statistics (autovacuum)
			b.Fatal(err)
		}
		if emp == nil {
			fp := matching.FitProfile{Values: map[string]int{}, Style: map[string]int{}, Theme: "engagement"}
			for _, it := range matching.ValueItems {
				fp.Values[it] = 3
			}
			for _, it := range matching.StyleItems {
				fp.Style[it] = 3
			}
			fp.Values["stimulation"], fp.Values["security"] = 5, 2
			if _, err := h.App.Matching.SaveFitProfile(ctx, p, fp); err != nil {
				b.Fatal(err)
			}
			emp = h.Login("scale000001@scale.example", demo.Password)
		}
		recURL, meURL := h.URL+"/api/v1/me/recommendations", h.URL+"/api/v1/me"
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			rec := func() { hit(b, c, recURL, emp.Token) }
			me := func() { hit(b, c, meURL, emp.Token) }
			sortedLatencies(20, rec) // warm the pool, connections, statements
			sortedLatencies(20, me)
			var recLat, meLat []time.Duration
			var goCPU, pgTime time.Duration
			var reqs int
			for b.Loop() {
				meLat = append(meLat, sortedLatencies(50, me)...)
				g0, p0 := processCPU(), must(pgCPU(ctx, h.Env.DB))
				recLat = append(recLat, sortedLatencies(50, rec)...)
				goCPU += processCPU() - g0
				pgTime += must(pgCPU(ctx, h.Env.DB)) - p0
				reqs += 50
			}
			slices.Sort(recLat)
			slices.Sort(meLat)
			b.ReportMetric(ms(recLat[len(recLat)/2]), "rec-p50-ms")
			b.ReportMetric(ms(recLat[len(recLat)*95/100]), "rec-p95-ms")
			b.ReportMetric(ms(meLat[len(meLat)/2]), "me-p50-ms")
			b.ReportMetric(ms(goCPU)/float64(reqs), "server-cpu-ms/req")
			b.ReportMetric(ms(pgTime)/float64(reqs), "pg-cpu-ms/req")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// processCPU is this process's CPU time so far (user + system): the
// server runs inside the benchmark's process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func must(d time.Duration, _ bool) time.Duration { return d }
