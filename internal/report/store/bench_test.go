package store_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkReleaseLargeCompany publishes the latest closed month for the
// scale company: TAIWA_BENCH_EMPLOYEES employees (20,000) and
// TAIWA_BENCH_SESSIONS held sessions (100,000), all in that month, with
// records and ratings. A release is made once, so every iteration
// publishes it for a fresh copy of the company's id: the release row is
// deleted by the schema owner between iterations (outside the timer).
// The anchor of the same run is a plain SQL count of the month's held
// sessions.
func BenchmarkReleaseLargeCompany(b *testing.B) {
	ctx := context.Background()
	env := dbtest.New(b)
	employees, sessions := envInt("TAIWA_BENCH_EMPLOYEES", 20000), envInt("TAIWA_BENCH_SESSIONS", 100000)
	started := time.Now()
	m := report.LastClosed(time.Now())
	if err := demo.SeedScaleWith(ctx, env.DB, demo.ScaleOptions{Employees: employees, Sessions: sessions, InMonth: monthStart(m)},
		slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	var cid uuid.UUID
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &cid, `SELECT id FROM companies WHERE name = $1`, demo.ScaleCompany); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `ANALYZE`)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d employees, %d sessions in %s", employees, sessions, time.Since(started).Round(time.Second))
	svc := &store.Service{DB: env.DB}
	admin, err := sqlx.Open("postgres", env.SuperURL) // bypasses row-level security
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close()
	var perMonth int
	b.Run("release-one-month", func(b *testing.B) {
		for b.Loop() {
			if _, created, err := svc.Release(ctx, cid, m); err != nil || !created {
				b.Fatalf("%s: %v %v", m, created, err)
			}
			b.StopTimer()
			// A superuser may lift the immutability trigger for a benchmark.
			if _, err := admin.ExecContext(ctx, `ALTER TABLE report_releases DISABLE TRIGGER report_releases_immutable;
				DELETE FROM report_releases; ALTER TABLE report_releases ENABLE TRIGGER report_releases_immutable`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
	})
	b.Run("anchor-count-month", func(b *testing.B) {
		for b.Loop() {
			if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
				return tx.GetContext(ctx, &perMonth, `SELECT count(*) FROM bookings WHERE company_id = $1 AND status = 'completed'
					AND starts_at >= $2 AND starts_at < $3`, cid, monthStart(m), monthStart(m+1))
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(perMonth), "sessions/month")
	})
}
