package dp

import (
	"errors"
	"math/big"
	"math/bits"
)

// Gaussian is an exact sampler of the discrete Gaussian N_Z(0, σ²) for a
// rational σ², the noise added to every released count and sum. It holds
// only values precomputed from σ², is immutable after NewGaussian, and is
// safe for concurrent use as long as each goroutine passes its own Source.
// Build it with NewGaussian; the zero value is not a valid sampler.
type Gaussian struct {
	num, den uint64 // σ² = num/den in lowest terms
	t        uint64 // ⌊σ⌋ + 1, the scale of the discrete Laplace proposal

	// fast reports that a and d fit in uint64, enabling the uint64
	// acceptance test.
	fast bool
	a, d uint64 // den·t and 2·num·den·t², valid when fast

	bigNum, bigA, bigD *big.Int // num, den·t, 2·num·den·t²; read-only
}

// NewGaussian returns a sampler for N_Z(0, σ²) with σ² exactly
// sigma2Num/sigma2Den, so that the noise scale a release states is the
// one it used, with no rounding. Both parts must be positive. The
// sampler is exact for every such σ²; it is tested from σ² = 1/2 to
// σ² ≈ 10⁸.
func NewGaussian(sigma2Num, sigma2Den uint64) (*Gaussian, error) {
	if sigma2Num == 0 || sigma2Den == 0 {
		return nil, errors.New("dp: discrete Gaussian variance must be a positive fraction")
	}
	g := gcd(sigma2Num, sigma2Den)
	num, den := sigma2Num/g, sigma2Den/g
	// ⌊√(num/den)⌋ = ⌊√⌊num/den⌋⌋, so an integer square root is exact.
	s := new(big.Int).Sqrt(new(big.Int).SetUint64(num / den)).Uint64()
	t := s + 1

	bigNum := new(big.Int).SetUint64(num)
	bigT := new(big.Int).SetUint64(t)
	bigA := new(big.Int).SetUint64(den)
	bigA.Mul(bigA, bigT)
	bigD := new(big.Int).Mul(bigNum, bigA) // num·den·t
	bigD.Mul(bigD, bigT)
	bigD.Lsh(bigD, 1)

	gs := &Gaussian{num: num, den: den, t: t, bigNum: bigNum, bigA: bigA, bigD: bigD}
	if bigA.IsUint64() && bigD.IsUint64() {
		gs.fast, gs.a, gs.d = true, bigA.Uint64(), bigD.Uint64()
	}
	return gs, nil
}

// Variance returns σ² as the fraction num/den in lowest terms, so that a
// release can record exactly which distribution its noise came from.
func (g *Gaussian) Variance() (num, den uint64) { return g.num, g.den }

// Sample draws one value from N_Z(0, σ²): P[X = x] ∝ exp(−x²/(2σ²)). It
// implements CKS 2020 Algorithm 1: propose Y from the discrete Laplace
// with scale t = ⌊σ⌋ + 1 and accept it with probability
// exp(−(|Y| − σ²/t)²/(2σ²)); the ratio of the two densities is bounded,
// so a few proposals suffice on average. Only integer and rational
// arithmetic is used.
func (g *Gaussian) Sample(src Source) int64 {
	for {
		y := discreteLaplace(src, g.t)
		if g.accept(src, absUint64(y)) {
			return y
		}
	}
}

// accept returns true with probability exp(−γ), where
// γ = (y·den·t − num)² / (2·num·den·t²) is (y − σ²/t)²/(2σ²) written over
// integers. It uses uint64 arithmetic when every intermediate value fits
// and math/big otherwise.
func (g *Gaussian) accept(src Source, y uint64) bool {
	if q, r, ok := g.gammaFast(y); ok {
		return bernoulliExp(src, q, r, g.d)
	}
	return bernoulliExpBig(src, g.gammaNumBig(y), g.bigD)
}

// gammaFast returns γ's numerator divided by d = 2·num·den·t² as a
// quotient and remainder, or false if some value does not fit in uint64.
// The 128-bit square is divided with bits.Div64, which needs the
// quotient to fit.
func (g *Gaussian) gammaFast(y uint64) (q, r uint64, ok bool) {
	if !g.fast {
		return 0, 0, false
	}
	hi, ya := bits.Mul64(y, g.a)
	if hi != 0 {
		return 0, 0, false
	}
	x := ya - g.num
	if ya < g.num {
		x = g.num - ya
	}
	sqHi, sqLo := bits.Mul64(x, x)
	if sqHi >= g.d {
		return 0, 0, false
	}
	q, r = bits.Div64(sqHi, sqLo, g.d)
	return q, r, true
}

// gammaNumBig returns γ's numerator (y·den·t − num)² in math/big; the
// denominator is g.bigD.
func (g *Gaussian) gammaNumBig(y uint64) *big.Int {
	x := new(big.Int).SetUint64(y)
	x.Mul(x, g.bigA)
	x.Sub(x, g.bigNum)
	return x.Mul(x, x)
}

// absUint64 returns |y| without overflow for every int64.
func absUint64(y int64) uint64 {
	if y < 0 {
		return -uint64(y)
	}
	return uint64(y)
}

// gcd returns the greatest common divisor of a and b, both non-zero.
func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
