package dp

import (
	"math"
	"math/big"
	"sync"
	"testing"
)

// fitCase is one goodness-of-fit run of the discrete Gaussian sampler.
type fitCase struct {
	name     string
	num, den uint64
	draws    int
	width    int64 // histogram bin width
	forceBig bool  // disable the uint64 acceptance path
	wantBig  bool  // σ² must be too large for the uint64 path
}

// sampleN draws n values from g.
func sampleN(g *Gaussian, seed byte, n int) []int64 {
	src := newRand(seed)
	xs := make([]int64, n)
	for i := range xs {
		xs[i] = g.Sample(src)
	}
	return xs
}

// gaussianFit runs a chi-square test of draws against N_Z(0, sigma2).
func gaussianFit(t *testing.T, xs []int64, sigma2 float64, width int64) chi2 {
	t.Helper()
	m := newMass(sigma2)
	radius := int64(12*math.Sqrt(sigma2)) + 12
	return chiSquare(t, xs, m.at, radius, width)
}

// checkMoments fails unless the sample mean and variance are within 4
// standard errors of those of N_Z(0, sigma2), computed from its mass.
func checkMoments(t *testing.T, xs []int64, sigma2 float64) {
	t.Helper()
	m := newMass(sigma2)
	radius := int64(12*math.Sqrt(sigma2)) + 12
	var v2, v4 float64
	for x := -radius; x <= radius; x++ {
		p, fx := m.at(x), float64(x)
		v2 += p * fx * fx
		v4 += p * fx * fx * fx * fx
	}
	var s1, s2 float64
	for _, x := range xs {
		fx := float64(x)
		s1 += fx
		s2 += fx * fx
	}
	n := float64(len(xs))
	mean, variance := s1/n, s2/n-(s1/n)*(s1/n)
	if se := math.Sqrt(v2 / n); math.Abs(mean) > 4*se {
		t.Errorf("mean %.5f, want 0 ± %.5f", mean, 4*se)
	}
	if se := math.Sqrt((v4 - v2*v2) / n); math.Abs(variance-v2) > 4*se {
		t.Errorf("variance %.5f, want %.5f ± %.5f", variance, v2, 4*se)
	}
}

// TestGaussianGoodnessOfFit draws from the sampler and checks the
// histogram against Prob's mass function by chi-square, checks that the
// same draws are rejected against a 10% larger σ², and checks the first
// two moments.
func TestGaussianGoodnessOfFit(t *testing.T) {
	t.Parallel()
	for _, c := range []fitCase{
		{name: "sigma2=20", num: 20, den: 1, draws: 1_000_000, width: 1},
		{name: "sigma2=0.8", num: 4, den: 5, draws: 200_000, width: 1},
		{name: "sigma2=37over3", num: 37, den: 3, draws: 200_000, width: 1},
		{name: "sigma2=20 big path", num: 20, den: 1, draws: 200_000, width: 1, forceBig: true},
		{name: "sigma2≈1e8 big path", num: 997*100_000_000 + 1, den: 997, draws: 200_000, width: 1000, wantBig: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := NewGaussian(c.num, c.den)
			if err != nil {
				t.Fatal(err)
			}
			if c.wantBig && g.fast {
				t.Fatal("σ² fits the uint64 path; the test needs one that does not")
			}
			if c.forceBig {
				g.fast = false
			}
			xs := sampleN(g, 8, c.draws)
			sigma2 := float64(c.num) / float64(c.den)
			right := gaussianFit(t, xs, sigma2, c.width)
			wrong := gaussianFit(t, xs, 1.1*sigma2, c.width)
			t.Logf("chi-square %.1f (df %d, 0.999 quantile %.1f); against 1.1σ²: %.1f (df %d)",
				right.stat, right.df, chi2Quantile999(right.df), wrong.stat, wrong.df)
			if !right.passes() {
				t.Errorf("chi-square %.2f ≥ %.2f (df %d)", right.stat, chi2Quantile999(right.df), right.df)
			}
			if wrong.passes() {
				t.Errorf("wrong σ² passed: chi-square %.2f < %.2f (df %d)", wrong.stat, chi2Quantile999(wrong.df), wrong.df)
			}
			checkMoments(t, xs, sigma2)
		})
	}
}

// TestNewGaussian checks argument validation, lowest terms and the
// proposal scale t = ⌊σ⌋ + 1, including exact squares and the extremes of
// the supported range.
func TestNewGaussian(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name         string
		num, den     uint64
		wantErr      bool
		wantT        uint64
		wantN, wantD uint64
		wantFast     bool
	}{
		{name: "zero numerator", num: 0, den: 1, wantErr: true},
		{name: "zero denominator", num: 1, den: 0, wantErr: true},
		{name: "half", num: 1, den: 2, wantT: 1, wantN: 1, wantD: 2, wantFast: true},
		{name: "4 is a square", num: 8, den: 2, wantT: 3, wantN: 4, wantD: 1, wantFast: true},
		{name: "37over3", num: 37, den: 3, wantT: 4, wantN: 37, wantD: 3, wantFast: true},
		{name: "1e8", num: 100_000_000, den: 1, wantT: 10_001, wantN: 100_000_000, wantD: 1, wantFast: true},
		{name: "1e8 unreduced", num: 1e11, den: 1000, wantT: 10_001, wantN: 100_000_000, wantD: 1, wantFast: true},
		{name: "max", num: math.MaxUint64, den: 1, wantT: 1 << 32, wantN: math.MaxUint64, wantD: 1},
		{name: "tiny", num: 1, den: math.MaxUint64, wantT: 1, wantN: 1, wantD: math.MaxUint64},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := NewGaussian(c.num, c.den)
			if c.wantErr {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n, d := g.Variance()
			if g.t != c.wantT || n != c.wantN || d != c.wantD || g.fast != c.wantFast {
				t.Errorf("t=%d σ²=%d/%d fast=%v; want t=%d σ²=%d/%d fast=%v",
					g.t, n, d, g.fast, c.wantT, c.wantN, c.wantD, c.wantFast)
			}
			src := newRand(9)
			for range 100 {
				g.Sample(src) // must terminate at every scale
			}
		})
	}
}

// TestTinyVarianceIsMostlyZero checks that σ² = 1/MaxUint64 gives 0
// every time (P[X ≠ 0] is about 2·exp(−2⁶³)).
func TestTinyVarianceIsMostlyZero(t *testing.T) {
	t.Parallel()
	g, err := NewGaussian(1, math.MaxUint64)
	if err != nil {
		t.Fatal(err)
	}
	src := newRand(10)
	for range 10_000 {
		if x := g.Sample(src); x != 0 {
			t.Fatalf("sample %d", x)
		}
	}
}

// TestGammaPathsAgree checks that the uint64 and math/big computations of
// the acceptance exponent γ give the same fraction wherever the uint64
// one applies, and that it declines instead of overflowing.
func TestGammaPathsAgree(t *testing.T) {
	t.Parallel()
	for _, s := range [][2]uint64{{20, 1}, {4, 5}, {37, 3}, {100_000_000, 1}} {
		g, err := NewGaussian(s[0], s[1])
		if err != nil {
			t.Fatal(err)
		}
		ys := []uint64{0, 1, 2, 3, g.t - 1, g.t, g.t + 1, 10 * g.t, 1 << 20, 1 << 32, 1 << 40, math.MaxInt64}
		fast := 0
		for _, y := range ys {
			want := g.gammaNumBig(y)
			q, r, ok := g.gammaFast(y)
			if !ok {
				continue
			}
			fast++
			got := new(big.Int).SetUint64(q)
			got.Mul(got, g.bigD)
			got.Add(got, new(big.Int).SetUint64(r))
			if got.Cmp(want) != 0 || r >= g.d {
				t.Errorf("σ²=%d/%d y=%d: fast %d·d+%d, big %v", s[0], s[1], y, q, r, want)
			}
		}
		if fast == 0 || fast == len(ys) {
			t.Errorf("σ²=%d/%d: uint64 path took %d of %d cases; want some of each", s[0], s[1], fast, len(ys))
		}
	}
}

// TestGaussianConcurrent shares one sampler between goroutines, each with
// its own source, so that the race detector can check it is read-only.
func TestGaussianConcurrent(t *testing.T) {
	t.Parallel()
	g, err := NewGaussian(37, 3)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			src := newRand(byte(20 + i))
			for range 2000 {
				g.Sample(src)
			}
		})
	}
	wg.Wait()
}

// TestProb checks that the mass sums to one and is symmetric, that Prob
// agrees with it, that the normaliser matches the Poisson-summation form
// √(2πσ²) where that is exact to float64, and that invalid σ² give NaN.
func TestProb(t *testing.T) {
	t.Parallel()
	for _, sigma2 := range []float64{0.5, 0.8, 20, 4000, 1e8} {
		m := newMass(sigma2)
		radius := int64(12*math.Sqrt(sigma2)) + 12
		var sum float64
		for x := -radius; x <= radius; x++ {
			sum += m.at(x)
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("σ²=%g: mass sums to %.12f", sigma2, sum)
		}
		for _, x := range []int64{0, 1, 2, 7, radius / 3} {
			if p := Prob(sigma2, x); p != m.at(x) || p != Prob(sigma2, -x) {
				t.Errorf("σ²=%g: Prob(%d) = %g, mass %g, Prob(%d) = %g", sigma2, x, p, m.at(x), -x, Prob(sigma2, -x))
			}
		}
		if sigma2 >= 20 {
			if want := math.Sqrt(2 * math.Pi * sigma2); math.Abs(m.norm-want)/want > 1e-12 {
				t.Errorf("σ²=%g: normaliser %.15g, want %.15g", sigma2, m.norm, want)
			}
		}
	}
	for _, bad := range []float64{0, -1, math.NaN(), math.Inf(1)} {
		if p := Prob(bad, 0); !math.IsNaN(p) {
			t.Errorf("Prob(%g, 0) = %g, want NaN", bad, p)
		}
	}
}
