package dp

import (
	"math/big"
	"math/bits"
)

// This file holds the Bernoulli trials of Canonne, Kamath and Steinke
// 2020: Bernoulli(n/d) from one uniform integer, and Bernoulli(exp(−γ))
// for rational γ from a sequence of those. Each comes in a uint64 form,
// used whenever the numbers fit, and a math/big form for when they do
// not; both are exact.

// bernoulliRatio returns true with probability n/d (d > 0), by drawing a
// uniform integer below d and comparing it with n. Values n ≥ d give
// probability 1 and n = 0 gives 0, without consuming randomness.
func bernoulliRatio(src Source, n, d uint64) bool {
	if n == 0 {
		return false
	}
	if n >= d {
		return true
	}
	return uniformUint64(src, d) < n
}

// bernoulliOverK returns true with probability n/(d·k) for n ≤ d, the
// trial Bernoulli(γ/k) of the paper's exp(−γ) loop. When d·k overflows it
// uses Bernoulli(1/k) ∧ Bernoulli(n/d) on independent draws, which has
// the same probability.
func bernoulliOverK(src Source, n, d, k uint64) bool {
	if hi, dk := bits.Mul64(d, k); hi == 0 {
		return bernoulliRatio(src, n, dk)
	}
	return uniformUint64(src, k) == 0 && bernoulliRatio(src, n, d)
}

// bernoulliExp1 returns true with probability exp(−1): the γ = 1 case of
// bernoulliExpFrac, which needs only Bernoulli(1/k) trials. It is the
// inner step of both the geometric sampler and the γ > 1 decomposition,
// so it gets its own short loop.
func bernoulliExp1(src Source) bool {
	k := uint64(2) // the first trial, Bernoulli(1/1), always succeeds
	for uniformUint64(src, k) == 0 {
		k++
	}
	return k%2 == 1
}

// bernoulliExpFrac returns true with probability exp(−n/d) for
// 0 ≤ n ≤ d, d > 0 (CKS 2020, Algorithm 1, case γ ∈ [0, 1]): count K up
// from 1 while Bernoulli(γ/K) succeeds and answer whether the final K is
// odd. P[K > k] = γ^k/k!, so P[K odd] = Σ (−γ)^k/k! = exp(−γ).
func bernoulliExpFrac(src Source, n, d uint64) bool {
	if n == 0 {
		return true
	}
	k := uint64(1)
	for bernoulliOverK(src, n, d, k) {
		k++
	}
	return k%2 == 1
}

// bernoulliExp returns true with probability exp(−(q + r/d)) for r ≤ d:
// the paper's case γ > 1 with ⌊γ⌋ = q, as q independent Bernoulli(exp(−1))
// trials followed by one Bernoulli(exp(−r/d)), stopping at the first
// failure.
func bernoulliExp(src Source, q, r, d uint64) bool {
	for ; q > 0; q-- {
		if !bernoulliExp1(src) {
			return false
		}
	}
	return bernoulliExpFrac(src, r, d)
}

// bernoulliRatioBig is bernoulliRatio for big operands (d > 0).
func bernoulliRatioBig(src Source, n, d *big.Int) bool {
	if n.Sign() == 0 {
		return false
	}
	if n.Cmp(d) >= 0 {
		return true
	}
	return uniformBig(src, d).Cmp(n) < 0
}

// bernoulliExpFracBig is bernoulliExpFrac for big operands, 0 ≤ n ≤ d. It
// switches to the uint64 form when d fits, and otherwise draws each
// Bernoulli(n/(d·k)) as Bernoulli(1/k) ∧ Bernoulli(n/d).
func bernoulliExpFracBig(src Source, n, d *big.Int) bool {
	if d.IsUint64() {
		return bernoulliExpFrac(src, n.Uint64(), d.Uint64())
	}
	if n.Sign() == 0 {
		return true
	}
	k := uint64(1)
	for (k == 1 || uniformUint64(src, k) == 0) && bernoulliRatioBig(src, n, d) {
		k++
	}
	return k%2 == 1
}

// bernoulliExpBig returns true with probability exp(−n/d) for big n ≥ 0
// and d > 0, splitting γ = n/d into ⌊γ⌋ Bernoulli(exp(−1)) trials and a
// fractional part like bernoulliExp. The integer part almost always ends
// the loop within a few trials, but it is counted exactly however large
// it is.
func bernoulliExpBig(src Source, n, d *big.Int) bool {
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	if q.IsUint64() {
		for i := q.Uint64(); i > 0; i-- {
			if !bernoulliExp1(src) {
				return false
			}
		}
	} else {
		one := big.NewInt(1)
		for ; q.Sign() > 0; q.Sub(q, one) {
			if !bernoulliExp1(src) {
				return false
			}
		}
	}
	return bernoulliExpFracBig(src, r, d)
}
