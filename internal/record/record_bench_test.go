package record_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
	"github.com/taiwa/taiwa/internal/record"
)

// BenchmarkRecordSave saves a counsellor's record with sealed private notes
// (validation, the booking check, sealing, the row and its audit entry)
// and reports the p50 and p95 of one save; one op is 50 saves, so even a
// short -benchtime gives percentiles.
func BenchmarkRecordSave(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b, 500)
	svc := &record.Service{DB: w.env.DB, Keys: sealtest.Ring(b, sealtest.Key(b, "A"))}
	notes := "面談メモ: 上司との関係、異動の希望、睡眠の質について。次回は具体的な行動計画を一緒に立てる。"
	var took []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		for j := range 50 {
			start := time.Now()
			if _, err := svc.Save(ctx, w.counselor, w.bookings[(i*50+j)%len(w.bookings)], record.Input{
				Themes: []string{"career"}, RiskLevel: "low", Observations: []string{"workload"}, PrivateNotes: &notes}); err != nil {
				b.Fatal(err)
			}
			took = append(took, time.Since(start))
		}
	}
	reportPercentiles(b, took)
}

// BenchmarkRotateKeys re-seals every private note of 2,000 records with a
// new key, in batches of 500, and reports values re-sealed per second.
func BenchmarkRotateKeys(b *testing.B) {
	ctx := context.Background()
	w := newWorld(b, 2000)
	a, c := sealtest.Key(b, "A"), sealtest.Key(b, "C")
	svc := &record.Service{DB: w.env.DB, Keys: sealtest.Ring(b, a)}
	notes := "面談メモ"
	for _, id := range w.bookings {
		if _, err := svc.Save(ctx, w.counselor, id, record.Input{Themes: []string{"career"}, RiskLevel: "none", PrivateNotes: &notes}); err != nil {
			b.Fatal(err)
		}
	}
	rings := [][2]string{{c, a}, {a, c}} // rotate to C, then back to A, …
	values := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := rings[i%2]
		svc.Keys = sealtest.Ring(b, r[0], r[1])
		res, err := svc.RotateKeys(ctx, record.RotateOptions{Batch: 500})
		if err != nil {
			b.Fatal(err)
		}
		if res.Resealed != len(w.bookings) {
			b.Fatalf("re-sealed %d of %d", res.Resealed, len(w.bookings))
		}
		values += res.Resealed
	}
	b.ReportMetric(float64(values)/b.Elapsed().Seconds(), "values/s")
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	b.Helper()
	if len(took) == 0 {
		return
	}
	slices.Sort(took)
	ms := func(q float64) float64 { return float64(took[int(q*float64(len(took)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.95), "p95-ms")
}
