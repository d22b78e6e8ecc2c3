package dp

import (
	"math"
	"testing"
)

// TestEpsilonKnownValues compares Epsilon with values from a brute-force
// minimisation of the same CKS 2020 formula over 1.6 million values of
// α (computed separately), and with the simple Bun–Steinke bound.
func TestEpsilonKnownValues(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rho, delta, want, simple float64
	}{
		{0.5, 1e-5, 4.728386985246718, 5.298525912188081},
		{0.1, 1e-6, 2.1419389283857413, 2.4507880004767997},
		{1, 1e-9, 9.521463672218347, 10.104562776310878},
		{0.01, 1e-5, 0.5457255482874871, 0.6886140424415113},
		{2, 1e-5, 10.724824112950596, 11.597051824376162},
	} {
		got, simple := Epsilon(c.rho, c.delta), EpsilonSimple(c.rho, c.delta)
		if math.Abs(got-c.want) > 1e-6*c.want {
			t.Errorf("Epsilon(%g, %g) = %.9f, want %.9f", c.rho, c.delta, got, c.want)
		}
		if math.Abs(simple-c.simple) > 1e-12*c.simple {
			t.Errorf("EpsilonSimple(%g, %g) = %.9f, want %.9f", c.rho, c.delta, simple, c.simple)
		}
		if got >= simple {
			t.Errorf("ρ=%g δ=%g: tight ε %.6f not below simple %.6f", c.rho, c.delta, got, simple)
		}
	}
}

// TestEpsilonShape checks that Epsilon never exceeds the simple bound, is
// non-decreasing in ρ and non-increasing in δ, and handles the edges.
func TestEpsilonShape(t *testing.T) {
	t.Parallel()
	deltas := []float64{1e-12, 1e-9, 1e-6, 1e-5, 1e-3, 0.1, 0.5}
	rhos := []float64{1e-12, 1e-8, 1e-4, 0.001, 0.01, 0.1, 0.5, 1, 2, 10, 100}
	for _, d := range deltas {
		prev := 0.0
		for _, r := range rhos {
			e := Epsilon(r, d)
			if e > EpsilonSimple(r, d) || e < 0 || e < prev {
				t.Errorf("Epsilon(%g, %g) = %g (previous ρ %g, simple %g)", r, d, e, prev, EpsilonSimple(r, d))
			}
			prev = e
		}
	}
	for _, r := range rhos {
		prev := math.Inf(1)
		for _, d := range deltas {
			if e := Epsilon(r, d); e > prev {
				t.Errorf("Epsilon(%g, %g) = %g > %g at smaller δ", r, d, e, prev)
			} else {
				prev = e
			}
		}
	}
	edges := []struct {
		rho, delta, want float64
	}{
		{0, 1e-5, 0}, {0, 0, 0}, {0.5, 1, 0}, {0.5, 0, math.Inf(1)}, {math.Inf(1), 1e-5, math.Inf(1)},
	}
	for _, c := range edges {
		if got := Epsilon(c.rho, c.delta); got != c.want {
			t.Errorf("Epsilon(%g, %g) = %g, want %g", c.rho, c.delta, got, c.want)
		}
	}
	for _, bad := range [][2]float64{{-1, 1e-5}, {0.5, -1}, {math.NaN(), 1e-5}, {0.5, math.NaN()}} {
		if got := Epsilon(bad[0], bad[1]); !math.IsNaN(got) {
			t.Errorf("Epsilon(%g, %g) = %g, want NaN", bad[0], bad[1], got)
		}
	}
}

// TestRhoSigma2RoundTrip checks ρ = Δ²/(2σ²) and its inverse.
func TestRhoSigma2RoundTrip(t *testing.T) {
	t.Parallel()
	if got := Rho(1, 20); got != 0.025 {
		t.Errorf("Rho(1, 20) = %g, want 0.025", got)
	}
	if got := Rho(0, 0); got != 0 {
		t.Errorf("Rho(0, 0) = %g, want 0", got)
	}
	for _, sens := range []float64{0.5, 1, 3, 40} {
		for _, sigma2 := range []float64{0.5, 20, 37.0 / 3, 4000, 1e8} {
			rho := Rho(sens, sigma2)
			if back := Sigma2For(sens, rho); math.Abs(back-sigma2) > 1e-12*sigma2 {
				t.Errorf("Sigma2For(%g, Rho(%g, %g)) = %g", sens, sens, sigma2, back)
			}
		}
	}
	if !math.IsNaN(Rho(-1, 1)) || !math.IsNaN(Sigma2For(1, -1)) {
		t.Error("negative input not NaN")
	}
}

// TestTPRBound checks the tradeoff boundary at its ends and in the
// middle, where the first linear piece binds.
func TestTPRBound(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		eps, delta, fpr, want float64
	}{
		{1, 1e-5, 0, 1e-5},
		{1, 1e-5, 1, 1},
		{0, 0, 0.3, 0.3},
		{0, 0.1, 0.3, 0.4},
		{math.Log(2), 0, 0.1, 0.2},
		{math.Log(2), 0, 0.8, 0.9}, // 1 − (1 − 0.8)/2
		{3, 0, 0.5, 1 - 0.5*math.Exp(-3)},
		{2, 0.5, 0.6, 1},
		{1, 1e-5, -0.5, 1e-5}, // clamped
	} {
		if got := TPRBound(c.eps, c.delta, c.fpr); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("TPRBound(%g, %g, %g) = %g, want %g", c.eps, c.delta, c.fpr, got, c.want)
		}
	}
	for _, bad := range [][3]float64{{-1, 0, 0.5}, {1, -0.1, 0.5}, {1, 1.1, 0.5}, {1, 0, math.NaN()}} {
		if got := TPRBound(bad[0], bad[1], bad[2]); !math.IsNaN(got) {
			t.Errorf("TPRBound(%v) = %g, want NaN", bad, got)
		}
	}
}
