package dp

import (
	"math"
	"math/big"
	"testing"
)

// expCase is a rational γ = n/d for the exp(−γ) tests.
type expCase struct {
	name string
	n, d uint64
}

var expCases = []expCase{
	{"0", 0, 1},
	{"1 over 2", 1, 2},
	{"1", 1, 1},
	{"2.3", 23, 10},
	{"7 over 3", 7, 3},
	{"9", 9, 1},
	{"huge denominator", 3 << 61, 1 << 62}, // γ = 3/2, d·k overflows
}

// checkRate fails the test unless hits/draws is within 5 standard errors
// of p (exactly p when p is 0 or 1).
func checkRate(t *testing.T, hits, draws int, p float64) {
	t.Helper()
	got := float64(hits) / float64(draws)
	se := math.Sqrt(p * (1 - p) / float64(draws))
	if math.Abs(got-p) > 5*se {
		t.Errorf("rate %.5f, want %.5f ± %.5f", got, p, 5*se)
	}
}

// TestBernoulliExp checks that the uint64 exp(−γ) trial succeeds with
// probability exp(−γ), over 200k draws per γ.
func TestBernoulliExp(t *testing.T) {
	t.Parallel()
	const draws = 200_000
	for _, c := range expCases {
		t.Run(c.name, func(t *testing.T) {
			src := newRand(4)
			q, r := c.n/c.d, c.n%c.d
			hits := 0
			for range draws {
				if bernoulliExp(src, q, r, c.d) {
					hits++
				}
			}
			checkRate(t, hits, draws, math.Exp(-float64(c.n)/float64(c.d)))
		})
	}
}

// TestBernoulliExpBig checks the math/big exp(−γ) trial on the same γ,
// scaled by 2⁷⁰ so that the denominator does not fit in uint64.
func TestBernoulliExpBig(t *testing.T) {
	t.Parallel()
	const draws = 200_000
	for _, c := range expCases {
		t.Run(c.name, func(t *testing.T) {
			src := newRand(5)
			n := new(big.Int).Lsh(new(big.Int).SetUint64(c.n), 70)
			d := new(big.Int).Lsh(new(big.Int).SetUint64(c.d), 70)
			hits := 0
			for range draws {
				if bernoulliExpBig(src, n, d) {
					hits++
				}
			}
			checkRate(t, hits, draws, math.Exp(-float64(c.n)/float64(c.d)))
		})
	}
}

// TestBernoulliExpBigQuotient checks that an integer part of γ beyond
// uint64 is handled (the trial must fail) rather than truncated.
func TestBernoulliExpBigQuotient(t *testing.T) {
	t.Parallel()
	src := newRand(6)
	n := new(big.Int).Lsh(big.NewInt(1), 80)
	for range 1000 {
		if bernoulliExpBig(src, n, big.NewInt(1)) {
			t.Fatal("exp(−2⁸⁰) trial succeeded")
		}
	}
}

// TestDiscreteLaplace compares the discrete Laplace sampler with its mass
// (1 − e^(−1/t))/(1 + e^(−1/t))·e^(−|y|/t) by chi-square over 200k draws.
func TestDiscreteLaplace(t *testing.T) {
	t.Parallel()
	const draws = 200_000
	for _, scale := range []uint64{1, 3, 7} {
		t.Run("t="+itoa(scale), func(t *testing.T) {
			src := newRand(7)
			ys := make([]int64, draws)
			for i := range ys {
				ys[i] = discreteLaplace(src, scale)
			}
			ft := float64(scale)
			c := (1 - math.Exp(-1/ft)) / (1 + math.Exp(-1/ft))
			pmf := func(y int64) float64 { return c * math.Exp(-math.Abs(float64(y))/ft) }
			r := chiSquare(t, ys, pmf, int64(60*scale), 1)
			if !r.passes() {
				t.Errorf("chi-square %.2f ≥ %.2f (df %d)", r.stat, chi2Quantile999(r.df), r.df)
			}
		})
	}
}

// itoa formats a small number for subtest names.
func itoa(v uint64) string { return big.NewInt(0).SetUint64(v).String() }
