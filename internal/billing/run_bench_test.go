package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// BenchmarkBillingRun bills March 2026 for 1,000 companies and 100,000
// sessions (Stripe excluded: no key), each iteration on a fresh database.
func BenchmarkBillingRun(b *testing.B) {
	const companies, perCompany = 1000, 100
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		env := dbtest.New(b)
		bulkFixture(b, env, companies, perCompany)
		svc := &billing.Service{DB: env.DB, Clock: func() time.Time { return time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC) }}
		b.StartTimer()
		start := time.Now()
		res, err := svc.RunPeriod(context.Background(), "2026-03", billing.RunOptions{Trigger: "test"})
		elapsed := time.Since(start)
		if err != nil || res.InvoicesCreated != companies {
			b.Fatalf("run: %v %+v", err, res)
		}
		b.ReportMetric(elapsed.Seconds(), "s/run")
		b.ReportMetric(float64(companies)/elapsed.Seconds(), "invoices/s")
	}
}
