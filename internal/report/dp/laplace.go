package dp

import (
	"math"
	"math/bits"
)

// discreteLaplace draws Y with P[Y = y] ∝ exp(−|y|/t) for an integer
// scale t ≥ 1 (CKS 2020, Algorithm 2 with s = 1): a fair sign and a
// geometric magnitude, rejecting "negative zero" so that 0 is not counted
// twice.
func discreteLaplace(src Source, t uint64) int64 {
	for {
		negative := src.Uint64()>>63 == 1 // Bernoulli(1/2)
		mag, ok := geometricScale(src, t)
		if !ok || (negative && mag == 0) {
			continue
		}
		if negative {
			return -int64(mag)
		}
		return int64(mag)
	}
}

// geometricScale draws X with P[X = x] = (1 − e^(−1/t))·e^(−x/t), x ≥ 0,
// as X = U + t·V: U is uniform below t accepted with probability
// exp(−U/t), and V counts Bernoulli(exp(−1)) successes before the first
// failure. It reports false in the event X > MaxInt64, which needs
// V ≥ 2³⁰ (t ≤ 2³²) and so has probability below exp(−2³⁰); the
// caller redraws.
func geometricScale(src Source, t uint64) (uint64, bool) {
	var u uint64
	for {
		u = uniformUint64(src, t)
		if bernoulliExpFrac(src, u, t) {
			break
		}
	}
	var v uint64
	for bernoulliExp1(src) {
		v++
	}
	hi, tv := bits.Mul64(t, v)
	x := tv + u
	if hi != 0 || x < tv || x > math.MaxInt64 {
		return 0, false
	}
	return x, true
}
