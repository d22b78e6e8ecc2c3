package dp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Statistical helpers shared by the distribution tests.

// newRand returns a ChaCha8 source seeded from a small integer, so every
// test run sees the same draws.
func newRand(seed byte) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[31] = seed, 0xd9
	return rand.NewChaCha8(s)
}

// chi2Quantile999 returns the 0.999 quantile of the chi-square
// distribution with df degrees of freedom, by the Wilson–Hilferty
// approximation: (X/k)^(1/3) is close to normal with mean 1 − 2/(9k) and
// variance 2/(9k).
func chi2Quantile999(df int) float64 {
	const z999 = 3.090232306167813 // standard normal 0.999 quantile
	k := float64(df)
	h := 2 / (9 * k)
	return k * math.Pow(1-h+z999*math.Sqrt(h), 3)
}

// chi2 is a chi-square statistic with its degrees of freedom.
type chi2 struct {
	stat float64
	df   int
}

// passes reports whether the statistic is below the 0.999 quantile.
func (c chi2) passes() bool { return c.stat < chi2Quantile999(c.df) }

// floorDiv returns ⌊x/w⌋ for w > 0.
func floorDiv(x, w int64) int64 {
	q := x / w
	if x%w != 0 && x < 0 {
		q--
	}
	return q
}

// chiSquare compares integer draws with the mass function pmf. Values are
// grouped into bins of width w (bin b holds [b·w, b·w + w)); the pmf is
// evaluated on [−radius, radius], which must hold all but a negligible
// part of the mass. Bins with expected count ≥ 5 are cells of their own,
// everything below them is pooled into one tail cell and everything above
// into another, and a tail with expected count < 5 is merged into its
// neighbour.
func chiSquare(t *testing.T, draws []int64, pmf func(int64) float64, radius, w int64) chi2 {
	t.Helper()
	n := float64(len(draws))
	bLo, bHi := floorDiv(-radius, w), floorDiv(radius, w)
	expect := make([]float64, bHi-bLo+1)
	for x := -radius; x <= radius; x++ {
		expect[floorDiv(x, w)-bLo] += n * pmf(x)
	}
	first, last := -1, -1
	for i, e := range expect {
		if e >= 5 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		t.Fatalf("no bin expects 5 draws")
	}
	// cells: 0 = left tail, 1..k = bins first..last, k+1 = right tail.
	k := last - first + 1
	cellExp := make([]float64, k+2)
	for i, e := range expect {
		cellExp[cellOf(i, first, last)] += e
	}
	obs := make([]float64, k+2)
	for _, x := range draws {
		i := int(max(min(floorDiv(x, w), bHi+1), bLo-1) - bLo)
		obs[cellOf(i, first, last)]++
	}
	return pooledStat(obs, cellExp)
}

// cellOf maps a bin index to its cell: 0 below first, k+1 above last.
func cellOf(i, first, last int) int {
	switch {
	case i < first:
		return 0
	case i > last:
		return last - first + 2
	}
	return i - first + 1
}

// pooledStat merges each tail cell into its neighbour when it expects
// fewer than 5 draws, then returns Σ (O − E)²/E with cells − 1 degrees of
// freedom.
func pooledStat(obs, exp []float64) chi2 {
	last := len(exp) - 1
	if exp[last] < 5 {
		obs[last-1] += obs[last]
		exp[last-1] += exp[last]
		obs, exp = obs[:last], exp[:last]
	}
	if exp[0] < 5 {
		obs[1] += obs[0]
		exp[1] += exp[0]
		obs, exp = obs[1:], exp[1:]
	}
	var stat float64
	for i := range exp {
		d := obs[i] - exp[i]
		stat += d * d / exp[i]
	}
	return chi2{stat: stat, df: len(exp) - 1}
}

// uniformChiSquare tests counts of values 0..len(counts)−1 against the
// uniform distribution.
func uniformChiSquare(counts []int) chi2 {
	var total float64
	for _, c := range counts {
		total += float64(c)
	}
	obs := make([]float64, len(counts))
	exp := make([]float64, len(counts))
	for i, c := range counts {
		obs[i], exp[i] = float64(c), total/float64(len(counts))
	}
	var stat float64
	for i := range exp {
		d := obs[i] - exp[i]
		stat += d * d / exp[i]
	}
	return chi2{stat: stat, df: len(counts) - 1}
}

// TestChi2Quantile checks the Wilson–Hilferty approximation against
// tabulated 0.999 quantiles.
func TestChi2Quantile(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		df   int
		want float64
	}{{1, 10.828}, {2, 13.816}, {9, 27.877}, {30, 59.703}, {100, 149.449}} {
		got := chi2Quantile999(c.df)
		if math.Abs(got-c.want)/c.want > 0.04 {
			t.Errorf("df=%d: quantile %.3f, table %.3f", c.df, got, c.want)
		}
	}
}
