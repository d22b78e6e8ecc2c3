package dp

import (
	"math/big"
	"math/bits"
	"testing"
)

// TestUniformUint64Unbiased checks uniform integers below small n, and
// below n = 3·2⁶², where a quarter of all words must be rejected, by
// chi-square tests over 300k draws.
func TestUniformUint64Unbiased(t *testing.T) {
	t.Parallel()
	const draws = 300_000
	for _, c := range []struct {
		name  string
		n     uint64
		shift uint // values are bucketed by v >> shift
		cells int
	}{
		{"n=3", 3, 0, 3},
		{"n=10", 10, 0, 10},
		{"n=3·2^62", 3 << 62, 62, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := newRand(1)
			counts := make([]int, c.cells)
			for range draws {
				v := uniformUint64(src, c.n)
				if v >= c.n {
					t.Fatalf("uniform(%d) = %d", c.n, v)
				}
				counts[v>>c.shift]++
			}
			if r := uniformChiSquare(counts); !r.passes() {
				t.Errorf("chi-square %.2f ≥ %.2f (df %d), counts %v", r.stat, chi2Quantile999(r.df), r.df, counts)
			}
		})
	}
}

// TestUniformBigUnbiased does the same for the math/big sampler, with
// n = 3 and 10 and with n = 3·2¹⁰⁰ spanning several words.
func TestUniformBigUnbiased(t *testing.T) {
	t.Parallel()
	const draws = 300_000
	for _, c := range []struct {
		name  string
		n     *big.Int
		shift uint
		cells int
	}{
		{"n=3", big.NewInt(3), 0, 3},
		{"n=10", big.NewInt(10), 0, 10},
		{"n=3·2^100", new(big.Int).Lsh(big.NewInt(3), 100), 100, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := newRand(2)
			counts := make([]int, c.cells)
			for range draws {
				v := uniformBig(src, c.n)
				if v.Sign() < 0 || v.Cmp(c.n) >= 0 {
					t.Fatalf("uniform(%v) = %v", c.n, v)
				}
				counts[v.Rsh(v, c.shift).Uint64()]++
			}
			if r := uniformChiSquare(counts); !r.passes() {
				t.Errorf("chi-square %.2f ≥ %.2f (df %d), counts %v", r.stat, chi2Quantile999(r.df), r.df, counts)
			}
		})
	}
}

// TestUniformEmptyRangePanics checks that n = 0 is refused rather than
// answered with a biased value.
func TestUniformEmptyRangePanics(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]func(){
		"uint64": func() { uniformUint64(newRand(3), 0) },
		"big":    func() { uniformBig(newRand(3), new(big.Int)) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		})
	}
}

// TestCryptoSource checks that CryptoSource refills its buffer and yields
// distinct, balanced words. It is not seeded, so its bounds are loose
// enough never to fail by chance (collision odds ~2⁻⁴⁵, bit count eight
// standard deviations).
func TestCryptoSource(t *testing.T) {
	t.Parallel()
	src := CryptoSource()
	const n = 1000 // about 16 buffer refills
	seen := make(map[uint64]bool, n)
	ones := 0
	for range n {
		w := src.Uint64()
		if seen[w] {
			t.Fatalf("word %#x repeated", w)
		}
		seen[w] = true
		ones += bits.OnesCount64(w)
	}
	if mean, sd := 32.0*n, 4.0*32; float64(ones) < mean-8*sd || float64(ones) > mean+8*sd {
		t.Errorf("%d one bits in %d words", ones, n)
	}
}
