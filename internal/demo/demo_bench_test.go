package demo_test

import (
	"context"
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// BenchmarkSeedDemo measures the whole demo seed on a fresh database (the
// database's creation is not timed).
func BenchmarkSeedDemo(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		env := dbtest.New(b)
		b.StartTimer()
		if err := demo.SeedDemo(context.Background(), env.DB, quiet); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeedScale20k measures generating 20,000 employees, their
// departments and 1,000 counsellors on a fresh database.
func BenchmarkSeedScale20k(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		env := dbtest.New(b)
		b.StartTimer()
		if err := demo.SeedScale(context.Background(), env.DB, 20_000, quiet); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(20_000*float64(b.N)/b.Elapsed().Seconds(), "employees/s")
}
