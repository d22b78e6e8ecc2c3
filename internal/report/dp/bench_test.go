package dp

import "testing"

// BenchmarkGaussianSample measures one draw with a ChaCha8 source, for
// typical release scales and for the math/big acceptance path.
func BenchmarkGaussianSample(b *testing.B) {
	for _, c := range []struct {
		name     string
		num, den uint64
		forceBig bool
	}{
		{"sigma2=20", 20, 1, false},
		{"sigma2=4000", 4000, 1, false},
		{"sigma2=37over3", 37, 3, false},
		{"sigma2=1e8", 100_000_000, 1, false},
		{"sigma2=20_big_path", 20, 1, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			g, err := NewGaussian(c.num, c.den)
			if err != nil {
				b.Fatal(err)
			}
			if c.forceBig {
				g.fast = false
			}
			src := newRand(40)
			var sink int64
			for b.Loop() {
				sink += g.Sample(src)
			}
			_ = sink
		})
	}
}

// BenchmarkGaussianSampleCrypto measures one draw with CryptoSource, the
// source used for real releases.
func BenchmarkGaussianSampleCrypto(b *testing.B) {
	g, err := NewGaussian(20, 1)
	if err != nil {
		b.Fatal(err)
	}
	src := CryptoSource()
	for b.Loop() {
		g.Sample(src)
	}
}

// BenchmarkEpsilon measures the ρ to ε conversion.
func BenchmarkEpsilon(b *testing.B) {
	for b.Loop() {
		Epsilon(0.5, 1e-5)
	}
}
